"""Camera-motion compensation: the background's shift is measured, people are left out of it,
and the tracks' motion states move with the camera."""

from __future__ import annotations

import cv2
import numpy as np

from siamtrack.tracker.core.camera import IDENTITY, camera_motion
from siamtrack.tracker.core.kalman import KalmanBank
from tests.conftest import DEMO_SEQ


def _frame() -> np.ndarray:
    return cv2.imread(str(DEMO_SEQ / "img1" / "000001.jpg"))


def _shifted(image: np.ndarray, dx: float, dy: float) -> np.ndarray:
    return cv2.warpAffine(image, np.float32([[1, 0, dx], [0, 1, dy]]), image.shape[1::-1],
                          borderMode=cv2.BORDER_REFLECT)


def test_a_panning_camera_is_measured_in_full_frame_pixels():
    image = _frame()
    transform = camera_motion(image, _shifted(image, 12.0, -5.0))
    assert np.allclose(transform[:, :2], np.eye(2), atol=0.01)
    assert np.allclose(transform[:, 2], [12.0, -5.0], atol=0.5)
    assert np.allclose(camera_motion(image, image), IDENTITY, atol=1e-3)


def test_the_same_frames_give_the_same_transform():
    image = _frame()
    moved = _shifted(image, 7.0, 3.0)
    assert np.array_equal(camera_motion(image, moved), camera_motion(image, moved))


def test_a_person_moving_alone_is_not_taken_for_the_camera():
    image = _frame()
    person = np.array([[200.0, 100.0, 120.0, 300.0]])
    moved = image.copy()
    x, y, w, h = person[0].astype(int)
    moved[y:y + h, x + 30:x + w + 30] = image[y:y + h, x:x + w]  # only the person's box moves
    transform = camera_motion(image, moved, people=person + [[-10, -10, 60, 20]])
    assert np.allclose(transform[:, 2], 0.0, atol=0.5)


def test_warping_moves_boxes_and_velocities_with_the_camera():
    bank = KalmanBank()
    bank.add(np.array([[100.0, 50.0, 40.0, 100.0]]))
    bank.mean[0, 4:6] = [3.0, 0.0]  # centre moving right 3 px a frame
    zoom = np.array([[2.0, 0.0, 10.0], [0.0, 2.0, -4.0]])  # the camera zooms in 2x and pans
    before = bank.position_std().copy()
    bank.warp(zoom)
    x, y, w, h = bank.boxes()[0]
    assert np.allclose([x + w / 2, y + h / 2, w, h], [2 * 120 + 10, 2 * 100 - 4, 80, 200])
    assert np.allclose(bank.mean[0, 4:6], [6.0, 0.0])
    assert np.allclose(bank.position_std(), 2 * before)


def test_linker_training_predicts_a_lost_track_where_the_tracker_does_on_a_moving_camera():
    from siamtrack.association.training.pairs import predicted_after

    box, velocity = np.array([[100.0, 50.0, 40.0, 100.0]]), np.array([[2.0, -1.0, 0.5, 1.0]])  # top-left, per frame
    theta = 0.01
    turn = np.array([[1.02 * np.cos(theta), -1.02 * np.sin(theta), 6.0],
                     [1.02 * np.sin(theta), 1.02 * np.cos(theta), -3.0]])  # zooms, turns and pans each frame
    cameras = np.repeat(IDENTITY[None], 12, axis=0)
    cameras[5:11] = turn
    bank = KalmanBank()
    bank.add(box)
    bank.mean[0, 4:] = [velocity[0, 0] + velocity[0, 2] / 2, velocity[0, 1] + velocity[0, 3] / 2, 0.5, 1.0]
    for frame in range(5, 11):  # the track last seen at frame 4, lost until frame 10
        bank.predict()
        bank.warp(cameras[frame])
    predicted, moved_velocity = predicted_after(box, velocity, cameras, frame=10, gap=6)
    assert np.allclose(predicted, bank.boxes()) and np.allclose(moved_velocity, bank.velocities())
    assert not np.allclose(predicted, predicted_after(box, velocity, None, 10, 6)[0], atol=5.0)
    still = predicted_after(box, velocity, np.repeat(IDENTITY[None], 12, axis=0), 10, 6)
    assert np.allclose(still[0], predicted_after(box, velocity, None, 10, 6)[0])


def test_compensated_training_pairs_come_from_the_frames_and_not_from_box_only_data(tmp_path):
    from siamtrack.association.training.pairs import load_sequence

    seq = load_sequence(DEMO_SEQ, "det/det.txt", None, 0.3, camera_motion=True)
    length = len(seq.cameras) - 1
    assert seq.descriptors is None and length == 71 and np.allclose(seq.cameras[1], IDENTITY)
    measured = seq.cameras[2:]
    assert not np.array_equal(measured, np.broadcast_to(IDENTITY, measured.shape))  # measured, not assumed
    assert np.allclose(measured[:, :, :2], np.eye(2), atol=0.01) and np.abs(measured[:, :, 2]).max() < 1.0  # a tripod
    boxes_only = tmp_path / "seq"
    for part in ("gt", "det"):
        (boxes_only / part).mkdir(parents=True)
        (boxes_only / part / f"{part}.txt").write_text((DEMO_SEQ / part / f"{part}.txt").read_text())
    (boxes_only / "seqinfo.ini").write_text((DEMO_SEQ / "seqinfo.ini").read_text())
    assert load_sequence(boxes_only, "det/det.txt", None, 0.3, camera_motion=True).cameras is None


def test_compensation_on_a_static_camera_tracks_the_clip_as_well():
    import dataclasses

    from siamtrack.configs import default_config
    from siamtrack.tracker.core.perception import perceive, replay
    from siamtrack.tracker.core.sequence import track_sequence
    from tests.conftest import rules

    config = default_config()
    on = dataclasses.replace(config, tracker=rules(camera_motion=True))
    real_off = track_sequence(DEMO_SEQ, DEMO_SEQ / "det" / "det.txt", config).rows
    real_on = track_sequence(DEMO_SEQ, DEMO_SEQ / "det" / "det.txt", on).rows
    assert abs(len(real_on) - len(real_off)) < 0.1 * len(real_off)
    cached = perceive(DEMO_SEQ, dataclasses.replace(on, tracker=rules(camera_motion=True, min_score=0.1)), 0.1)
    assert all(f.camera is not None for k, f in cached.frames.items() if k > 1)
    assert abs(len(replay(cached, on)) - len(real_on)) < 0.05 * len(real_on)


def test_box_only_data_is_tracked_without_compensation_and_says_so(tmp_path):
    import dataclasses
    import shutil

    from siamtrack.configs import default_config
    from siamtrack.tracker.core.sequence import track_sequence
    from tests.conftest import rules

    seq = tmp_path / DEMO_SEQ.name
    for part in ("det", "gt"):
        shutil.copytree(DEMO_SEQ / part, seq / part)
    shutil.copy(DEMO_SEQ / "seqinfo.ini", seq / "seqinfo.ini")
    config = dataclasses.replace(default_config(), scorer="geometry")
    off = track_sequence(seq, seq / "det" / "det.txt", dataclasses.replace(config, tracker=rules(camera_motion=False)))
    on = track_sequence(seq, seq / "det" / "det.txt", dataclasses.replace(config, tracker=rules(camera_motion=True)))
    assert on.without_camera and not off.without_camera
    assert on.rows == off.rows


def test_the_meter_measures_a_video_as_camera_motion_measures_each_pair():
    from siamtrack.tracker.core.camera import CameraMeter

    frames = [_frame(), *(_shifted(_frame(), 3.0 * k, -k) for k in range(1, 4))]
    people = np.array([[200.0, 100.0, 60.0, 150.0]])
    meter = CameraMeter()
    assert meter.measure(None, frames[0], people) is None  # nothing to compare the first frame with
    for prev, image in zip(frames, frames[1:], strict=False):
        assert np.array_equal(meter.measure(prev, image, people), camera_motion(prev, image, people))
