"""Video annotation: trails follow the feet, smoothed against detector jitter."""

import cv2
import numpy as np

from siamtrack.tracker.video.annotate import Annotator, id_tag, identity_colour, paste


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


def draw_tag_directly(frame: np.ndarray, track_id: int, x: int, y: int) -> None:
    """What the annotator drew before tags were rendered once per id: rectangle, then text."""
    label = str(track_id)
    (tw, th), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, 0.6, 2)
    cv2.rectangle(frame, (x, y - th - 6), (x + tw + 6, y), identity_colour(track_id), -1)
    cv2.putText(frame, label, (x + 3, y - 4), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 2, cv2.LINE_AA)


def test_pasted_id_tags_match_drawing_them_including_at_the_edges():
    """Pasting a tag rendered once gives the pixels drawing it in place gave. At the frame's edges
    OpenCV clips anti-aliased strokes before drawing them, which moves their fringe within 3 px of
    the border; the paste shows the tag as rendered whole, which is what a viewer expects."""
    rng = np.random.default_rng(0)
    background = rng.integers(0, 256, (120, 160, 3), dtype=np.uint8)  # text must not bleed onto it
    inner = np.s_[3:-3, 3:-3]
    for track_id in (1, 7, 42, 118, 999, 12345):
        for x, y in ((40, 60), (-5, 60), (150, 60), (40, 3), (40, 119), (-30, 2), (158, 200), (40, -1)):
            drawn, pasted = background.copy(), background.copy()
            draw_tag_directly(drawn, track_id, x, y)
            tag = id_tag(track_id)
            paste(pasted, tag, x, y + 1 - len(tag))
            assert np.array_equal(drawn[inner], pasted[inner]), (track_id, x, y)
            assert (pasted != background).any() == (y >= 0 and y - len(tag) < 119 and x < 160 and x + tag.shape[1] > 0)
