"""The tracker's parts built from a config: the link scorer (models loaded once per process) and
the online or global tracker around it. The one place that reads several sections at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from siamtrack.association.geometry_scorer import GeometryScorer
from siamtrack.association.scorer import LinkScorer
from siamtrack.configs import Config
from siamtrack.siamese_cnn.errors import InputError

from .global_mode import GlobalTracker
from .online import OnlineTracker

T = TypeVar("T")
_MODELS: dict[tuple, object] = {}
MODES = ("online", "global")


def _cached(key: tuple, load: Callable[[], T]) -> T:
    """Models are loaded once per process, however many sequences or videos are tracked."""
    if key not in _MODELS:
        _MODELS[key] = load()
    return _MODELS[key]


def build_scorer(config: Config, frame_rate: float) -> LinkScorer:
    name = config.scorer
    if name == "geometry":
        return GeometryScorer()
    if name == "learned":
        from siamtrack.association.learned_scorer import LearnedScorer
        from siamtrack.association.linker import Linker
        from siamtrack.siamese_cnn import TRACKING_WEIGHTS, PatchMatcher

        weights, flow_width, device = config.matcher.weights or TRACKING_WEIGHTS, config.matcher.flow_width, \
            config.matcher.device
        model, threads = config.linker.model, config.threads
        # warmed up once loaded: first-call costs are paid here, before any clock starts
        matcher = _cached(("matcher", weights, flow_width, device),
                          lambda: PatchMatcher.load(weights, flow_width, device).warm_up())
        linker = _cached(("linker", model, threads), lambda: Linker.load(model, threads).warm_up())
        return LearnedScorer(matcher, linker, frame_rate, memory=config.linker.memory)
    raise InputError(f"config: unknown scorer {name!r} (choose geometry or learned)")


def check_mode(config: Config) -> None:
    if config.mode not in MODES:
        raise InputError(f"config: unknown mode {config.mode!r} (choose online or global)")


def build_tracker(config: Config, frame_rate: float, scorer: LinkScorer | None = None) -> OnlineTracker | GlobalTracker:
    """The tracker ``config.mode`` names, around ``scorer`` (built from the config if not given)."""
    check_mode(config)
    scorer = scorer or build_scorer(config, frame_rate)
    if config.mode == "global":
        return GlobalTracker(scorer, config.tracker, config.global_mode, frame_rate)
    return OnlineTracker(scorer, config.tracker, frame_rate)
