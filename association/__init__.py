"""Who is who: link scorers (geometry, learned), contextual features and the assignment solver."""

from .geometry_scorer import GeometryScorer
from .solver import solve
from .types import FrameDetections, TrackBatch

__all__ = ["FrameDetections", "GeometryScorer", "TrackBatch", "solve"]
