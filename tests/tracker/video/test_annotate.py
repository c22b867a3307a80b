"""Video annotation: trails follow the feet, smoothed against detector jitter."""

import cv2
import numpy as np

from siamtrack.tracker.video.annotate import Annotator, id_tag, identity_colour, paste


def trail_height(smoothing: float) -> int:
    """Vertical extent of a trail drawn from boxes that walk right while their bottom jitters ±15 px."""
    annotator = Annotator(trail_length=10, smoothing=smoothing)  # the last 10 feet: past the first transient
    blank = np.zeros((200, 400, 3), np.uint8)
    for k in range(1, 21):
        drawn = annotator.draw(blank, [(7, np.array([20.0 + 8 * k, 60.0, 30.0, 80.0 + (15 if k % 2 else -15)]))], k)
    trail = drawn[:, :175]  # left of the last box (x from 180): only the trail
    rows = np.nonzero((np.abs(trail.astype(int) - annotator.colour(7)).sum(axis=2) < 60).any(axis=1))[0]
    return int(rows.max() - rows.min()) if len(rows) else 0


def test_trails_are_smoothed_against_jitter():
    raw, smoothed = trail_height(1.0), trail_height(0.35)
    assert raw >= 28  # the raw trail zigzags over the full 30 px
    assert 0 < smoothed < raw / 2


def test_only_the_tracks_given_are_drawn_with_their_trails_and_filled_in_boxes_dashed():
    annotator = Annotator(trail_length=10)
    blank = np.zeros((200, 300, 3), np.uint8)
    for k in range(1, 6):
        annotator.draw(blank, [(3, np.array([20.0 + 10 * k, 40.0, 30.0, 80.0]))], k)
    gone = annotator.draw(blank, [], 6)
    assert not gone.any()  # the track is not in this frame: no box, no trail
    solid = annotator.draw(blank, [(3, np.array([80.0, 40.0, 30.0, 80.0]))], 7)
    dashed = annotator.draw(blank, [(3, np.array([80.0, 40.0, 30.0, 80.0]), True)], 8)
    left_edge = (slice(60, 118), 80)  # below the id tag
    assert solid[left_edge].any(axis=1).all() and not dashed[left_edge].any(axis=1).all()
    assert dashed[left_edge].any(axis=1).mean() > 0.3


def test_people_side_by_side_get_colours_far_apart():
    annotator = Annotator()
    blank = np.zeros((300, 600, 3), np.uint8)
    people = [(i, np.array([40.0 + 60 * k, 100.0, 40.0, 100.0])) for k, i in enumerate((1, 4, 9, 14, 22))]
    annotator.draw(blank, people, 1)
    lab = cv2.cvtColor(np.array([[annotator.colour(i) for i, _ in people]], np.uint8), cv2.COLOR_BGR2LAB)[0]
    gaps = [np.linalg.norm(lab[a].astype(float) - lab[b]) for a in range(5) for b in range(a + 1, 5)]
    assert min(gaps) > 40  # by number alone, ids 1, 9, 14 and 22 get hues within 0.1 of one another
    before = {i: annotator.colour(i) for i, _ in people}
    annotator.draw(blank, people[::-1], 2)
    assert {i: annotator.colour(i) for i, _ in people} == before  # an identity keeps its colour


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
