"""The learned link scorer: Siamese appearance features ⊕ context features -> XGBoost -> P(link)."""

from __future__ import annotations

import numpy as np

from siamtrack.siamese_cnn import InputError, PatchMatcher
from siamtrack.siamese_cnn.timing import stage

from .appearance import TrackAppearance, appearance_feature_names, appearance_features
from .context import CONTEXT_FEATURES, context_features
from .linker import Linker
from .types import FrameDetections, TrackBatch


def all_feature_names(matcher: PatchMatcher) -> tuple[str, ...]:
    return (*appearance_feature_names(matcher.feature_dim), *CONTEXT_FEATURES)


def pair_features(matcher: PatchMatcher | None, tracks: TrackBatch, dets: FrameDetections,
                  frame_rate: float) -> np.ndarray:
    """(T, D, K) every named feature (appearance first, then context) of every pair."""
    context = context_features(tracks, dets, frame_rate)
    if matcher is None:
        return context
    appearance = appearance_features(matcher, tracks.appearance, dets.appearance)
    return np.concatenate([appearance, context], axis=-1)


class LearnedScorer:
    """P(link) from the linker. Appearance memory: the last ``memory`` detections of each track."""

    def __init__(self, matcher: PatchMatcher, linker: Linker, frame_rate: float, memory: int = 4):
        self.linker = linker
        self.frame_rate = frame_rate
        self.memory = memory
        names = all_feature_names(matcher)
        missing = [n for n in linker.feature_names if n not in names]
        if missing:
            raise InputError(f"linker: wants features this matcher cannot give: {', '.join(missing[:5])}")
        uses_appearance = any(n not in CONTEXT_FEATURES for n in linker.feature_names)
        trained_with = linker.info.get("matcher")
        if uses_appearance and trained_with and trained_with != matcher.fingerprint:
            raise InputError(f"linker: trained on the features of matcher {trained_with}, not of this one "
                             f"({matcher.fingerprint}); use the matcher it was trained with or retrain the linker")
        self.matcher = matcher if uses_appearance else None
        self.needs_images = uses_appearance
        available = names if uses_appearance else CONTEXT_FEATURES
        columns = np.array([available.index(n) for n in linker.feature_names])
        # the usual case reads every feature in order: no column gather needed per frame
        self._columns = None if np.array_equal(columns, np.arange(len(available))) else columns

    def describe(self, frame: np.ndarray | None, prev_frame: np.ndarray | None, dets: FrameDetections) -> None:
        if self.matcher is not None:
            dets.appearance = self.matcher.describe(frame, dets.boxes, prev_frame)

    def update_appearance(self, state: TrackAppearance | None, dets: FrameDetections, j: int) -> TrackAppearance | None:
        if self.matcher is None:
            return None
        new = dets.appearance.rows(j, j + 1)
        return TrackAppearance.of(new) if state is None else state.add(new, self.memory)

    def probability(self, tracks: TrackBatch, dets: FrameDetections) -> np.ndarray:
        with stage("features"):
            features = pair_features(self.matcher, tracks, dets, self.frame_rate)
            if self._columns is not None:
                features = features[..., self._columns]
        with stage("xgboost"):
            return self.linker.probability(features)
