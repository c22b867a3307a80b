"""Siamese CNN patch matcher: is this detection the same person as that one?

Usable without the tracker::

    from siamese_cnn import PatchMatcher
    m = PatchMatcher.load()
    p = m.match_probability(m.describe(frame, boxes, prev), m.describe(frame2, boxes2, prev2))
"""

from .matcher import ModelFileError, PatchDescriptors, PatchMatcher
from .patches import PatchSpec

__all__ = ["ModelFileError", "PatchDescriptors", "PatchMatcher", "PatchSpec"]
