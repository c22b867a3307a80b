"""The protocol's peers: SORT, ByteTrack, OC-SORT, BoT-SORT (with and without camera-motion
compensation) from roboflow ``trackers`` 2.6.1 (the ``bench`` extra), on the same calibrated
detections siamtrack gets.

Each peer's detection threshold (boxes below it are not given to it) and lost-track buffer (in
seconds) are chosen per fold by the same seeded search as siamtrack's rules; their other settings
stay at the library's defaults. BoT-SORT+CMC takes the settings chosen for BoT-SORT in the same
fold (its camera-motion step reads every frame, which would make each trial cost a full pass over
the pixels); it differs only by the compensation.
"""

from __future__ import annotations

import numpy as np

from siamtrack.tracker.app.search import Param
from siamtrack.tracker.core.perception import SequencePerception
from siamtrack.tracker.io.frames import open_frames

PEERS = ("SORT", "ByteTrack", "OC-SORT", "BoT-SORT", "BoT-SORT+CMC")
SEARCHED = ("SORT", "ByteTrack", "OC-SORT", "BoT-SORT")  # +CMC reuses BoT-SORT's choice
PEER_SPACE = [Param("min_score", "float", 0.1, 0.9), Param("buffer_seconds", "float", 0.3, 6.0, log=True)]
PEER_START = {"min_score": 0.4, "buffer_seconds": 1.0}  # the library's 30-frame buffer at 30 fps


def make_peer(name: str, frame_rate: float, buffer_seconds: float):
    import trackers

    # trackers 2.6.1 counts the buffer in frames of a 30 fps video and converts by the real rate
    common = {"lost_track_buffer": max(1, int(round(buffer_seconds * 30))), "frame_rate": float(frame_rate)}
    if name == "SORT":
        return trackers.SORTTracker(**common)
    if name == "ByteTrack":
        return trackers.ByteTrackTracker(**common)
    if name == "OC-SORT":
        return trackers.OCSORTTracker(**common)
    if name in ("BoT-SORT", "BoT-SORT+CMC"):
        return trackers.BoTSORTTracker(**common, enable_cmc=name.endswith("+CMC"))
    raise ValueError(f"unknown peer {name!r}; one of {', '.join(PEERS)}")


def run_peer(name: str, perception: SequencePerception, min_score: float, buffer_seconds: float
             ) -> list[tuple[int, int, float, float, float, float, float]]:
    """Result rows of a peer on a cached sequence (frames are read only for camera-motion compensation)."""
    import supervision as sv

    info = perception.info
    tracker = make_peer(name, info.frame_rate, buffer_seconds)
    needs_frames = name.endswith("+CMC")
    frames = open_frames(perception.seq_dir) if needs_frames else ((k, None) for k in range(1, info.length + 1))
    rows = []
    for index, image in frames:
        boxes, scores = perception.at(index)
        keep = scores >= min_score
        boxes, scores = boxes[keep], scores[keep]
        xyxy = np.concatenate([boxes[:, :2], boxes[:, :2] + boxes[:, 2:]], axis=1) if len(boxes) else np.zeros((0, 4))
        dets = sv.Detections(xyxy=xyxy.astype(np.float32), confidence=scores.astype(np.float32),
                             class_id=np.zeros(len(scores), int))
        out = tracker.update(dets, frame=image) if needs_frames else tracker.update(dets)
        ids = np.asarray(out.tracker_id if out.tracker_id is not None else [], int)
        for (x1, y1, x2, y2), track_id, conf in zip(out.xyxy, ids, out.confidence if out.confidence is not None
                                                    else np.ones(len(ids)), strict=True):
            if track_id >= 0:
                rows.append((index, int(track_id) + 1, float(x1), float(y1), float(x2 - x1), float(y2 - y1),
                             float(conf)))
    return rows
