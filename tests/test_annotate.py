"""Video annotation: trails follow the feet, smoothed against detector jitter."""

import numpy as np

from tracker.annotate import Annotator, identity_colour


def trail_height(smoothing: float) -> int:
    """Vertical extent of a trail drawn from boxes that walk right while their bottom jitters ±15 px."""
    annotator = Annotator(trail_length=10, smoothing=smoothing)  # the last 10 feet: past the first transient
    blank = np.zeros((200, 400, 3), np.uint8)
    for k in range(1, 21):
        annotator.draw(blank, [(7, np.array([20.0 + 8 * k, 60.0, 30.0, 80.0 + (15 if k % 2 else -15)]))], k)
    only_trails = annotator.draw(blank, [], 21)  # the id is not shown now: its trail is, its box is not
    rows = np.nonzero((np.abs(only_trails.astype(int) - identity_colour(7)).sum(axis=2) < 60).any(axis=1))[0]
    return int(rows.max() - rows.min()) if len(rows) else 0


def test_trails_are_smoothed_against_jitter():
    raw, smoothed = trail_height(1.0), trail_height(0.35)
    assert raw >= 28  # the raw trail zigzags over the full 30 px
    assert 0 < smoothed < raw / 2


def test_the_frame_itself_is_not_drawn_on():
    frame = np.full((100, 100, 3), 50, np.uint8)
    out = Annotator().draw(frame, [(1, np.array([10.0, 10.0, 30.0, 60.0]))], 1)
    assert (frame == 50).all() and (out != 50).any()
