"""Tiling geometry: which parts of a frame the detector sees and how pieces of one person merge."""

import numpy as np
import pytest

from siamtrack.tracker.detectors.tiles import Grid, auto_grid, cut_edges, merge_cut, parse_grid, tile_rects


def test_auto_grid_cuts_wide_frames_into_full_height_columns():
    assert auto_grid(768, 576) == Grid(1, 3, whole=False)
    assert auto_grid(640, 480) == Grid(1, 3, whole=False)
    assert auto_grid(1920, 1080, max_passes=3) == Grid(1, 3, whole=False)
    assert auto_grid(1920, 1080, max_passes=2) == Grid(1, 2, whole=False)
    assert auto_grid(300, 600) == Grid(2, 1, whole=False)  # portrait: rows
    assert auto_grid(200, 400, tile_aspect=2.0) == Grid(2, 1, whole=False)
    assert auto_grid(500, 500, tile_aspect=1.0) == Grid(1, 1, whole=False)


@pytest.mark.parametrize("size", [(768, 576), (1224, 370), (640, 480), (1080, 1920)])
def test_tiles_cover_the_frame_and_overlap(size):
    width, height = size
    rects = tile_rects(width, height, auto_grid(width, height))
    covered = np.zeros((height, width), bool)
    for x0, y0, x1, y1 in rects:
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height
        covered[y0:y1, x0:x1] = True
    assert covered.all()
    xs = sorted({(x0, x1) for x0, _, x1, _ in rects})
    for (_, end), (start, _) in zip(xs, xs[1:], strict=False):
        assert end - start >= 40 * height / 300 - 1  # neighbours share a strip


def test_grid_syntax():
    assert parse_grid("auto") is None
    assert parse_grid("whole") == Grid(1, 1, True)
    assert parse_grid("2x3") == Grid(2, 3, True) and Grid(2, 3, True).passes == 7
    assert parse_grid("1X2-tiles") == Grid(1, 2, False) and Grid(1, 2, False).passes == 2
    assert tile_rects(100, 100, Grid(2, 2, True))[-1] == (0, 0, 100, 100)
    for bad in ("0x2", "3", "2x", "tiles"):
        with pytest.raises(ValueError, match="use auto, whole"):
            parse_grid(bad)


def test_pieces_of_a_person_cut_by_a_tile_edge_become_one_box():
    rects = [(0, 0, 60, 100), (40, 0, 100, 100)]  # two tiles sharing x 40..60
    person = np.array([45.0, 10.0, 30.0, 80.0])  # x 45..75: cut by the first tile's right edge at 60
    left_piece = np.array([[45.0, 10.0, 15.0, 80.0]])
    whole = person[None]
    cut_left = cut_edges(left_piece, rects[0], 100, 100)
    cut_whole = cut_edges(whole, rects[1], 100, 100)
    assert cut_left.tolist() == [True] and cut_whole.tolist() == [False]
    boxes, scores = merge_cut(np.concatenate([left_piece, whole]), np.array([0.9, 0.8]),
                              np.concatenate([cut_left, cut_whole]), np.array([0, 1]))
    np.testing.assert_allclose(boxes, whole) and np.testing.assert_allclose(scores, [0.8])
    # two cut pieces (top and bottom tiles) of one person: their union, the better score
    top, bottom = np.array([10.0, 20.0, 20.0, 45.0]), np.array([11.0, 40.0, 20.0, 45.0])
    boxes, scores = merge_cut(np.stack([top, bottom]), np.array([0.6, 0.7]), np.array([True, True]),
                              np.array([0, 1]))
    np.testing.assert_allclose(boxes, [[10.0, 20.0, 21.0, 65.0]]) and np.testing.assert_allclose(scores, [0.7])


def test_merge_leaves_separate_people_and_one_tile_alone():
    a, b = np.array([0.0, 0.0, 20.0, 50.0]), np.array([30.0, 0.0, 20.0, 50.0])
    boxes, _ = merge_cut(np.stack([a, b]), np.array([0.9, 0.8]), np.array([True, True]), np.array([0, 1]))
    assert len(boxes) == 2  # no overlap
    boxes, _ = merge_cut(np.stack([a, a + [2, 0, 0, 0]]), np.array([0.9, 0.8]), np.array([True, True]),
                         np.array([0, 0]))
    assert len(boxes) == 2  # same tile: two people, not two pieces
