"""`siamtrack track` on webcams and network streams: a real video served on this machine's
loopback tracks as the file itself; a server that dies mid-stream leaves complete outputs and one
warning line per reconnect; what cannot be opened says so in one line naming the source as given."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import cv2
import pytest

from siamtrack.tracker.app.cli import main
from siamtrack.tracker.io.mot import read_results
from tests.conftest import DEMO_SEQ

FRAMES = 71


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[Path, str, dict]]:
    """The demo clip as an MJPEG AVI (a container FFmpeg reads front to back, as a stream),
    served over HTTP on loopback; ``state["cut"]`` makes the server send half the file and die."""
    root = tmp_path_factory.mktemp("served")
    video = root / "clip.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 25, (640, 480))
    for i in range(1, FRAMES + 1):
        writer.write(cv2.imread(str(DEMO_SEQ / "img1" / f"{i:06d}.jpg")))
    writer.release()
    state = {"cut": False}

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            if not state["cut"]:
                return super().do_GET()
            data = video.read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "video/x-msvideo")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])  # half the video, then the server is gone
            self.wfile.flush()
            self.close_connection = True
            threading.Thread(target=server.shutdown, daemon=True).start()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield video, f"http://127.0.0.1:{server.server_address[1]}/clip.avi", state
    server.shutdown()
    server.server_close()


def _track(source: str, out: Path, *extra: str) -> int:
    return main(["track", source, "--detections", str(DEMO_SEQ / "det" / "det.txt"), "--no-video",
                 "--mot-output", str(out), "--quiet", *extra])


def test_a_loopback_http_stream_tracks_as_the_file_itself(served, tmp_path, capsys):
    video, url, _ = served
    assert _track(str(video), tmp_path / "file.txt") == 0
    assert _track(url, tmp_path / "stream.txt") == 0
    printed = capsys.readouterr().out
    assert "25 fps source" in printed and "det.txt" in printed  # the summary names the detections used
    assert (tmp_path / "stream.txt").read_bytes() == (tmp_path / "file.txt").read_bytes()
    assert len(set(read_results(tmp_path / "file.txt").frames)) > 60
    assert _track(f"file://{video}", tmp_path / "url.txt", "--fps", "10") == 0
    assert "10 fps source" in capsys.readouterr().out
    assert (tmp_path / "url.txt").stat().st_size > 0


def test_unopenable_sources_are_one_line_errors_naming_them_as_given(tmp_path, capsys):
    for source, expected in (("rtsp://127.0.0.1:9/x", "rtsp://127.0.0.1:9/x: cannot open the stream"),
                             ("http://127.0.0.1:9/live", "http://127.0.0.1:9/live: cannot open the stream"),
                             ("7", "7: cannot open the webcam (no camera at index 7"),
                             ("htp://127.0.0.1/x", "htp://127.0.0.1/x: no such file or folder (streams are read")):
        assert _track(source, tmp_path / "t.txt", "--timeout", "2") == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith(f"siamtrack: error: {expected}"), err
    assert not (tmp_path / "t.txt").exists()


def test_a_server_dying_mid_stream_leaves_complete_outputs_and_a_line_per_reconnect(served, tmp_path, capsys):
    _, url, state = served
    state["cut"] = True
    code = main(["track", url, "--detections", str(DEMO_SEQ / "det" / "det.txt"), "--quiet", "--reconnects", "2",
                 "--timeout", "2", "-o", str(tmp_path / "cut.mp4")])
    captured = capsys.readouterr()
    assert code == 0
    warnings = [line for line in captured.err.splitlines() if line.startswith("warning:")]
    assert [w.split(url + ": ")[1].split(";")[0] for w in warnings[:2]] == [warnings[0].split(url + ": ")[1]
                                                                               .split(";")[0]] * 2
    assert len(warnings) == 3 and "gave up after 2 reconnects" in warnings[2], warnings
    assert all(url in w for w in warnings)
    rows = read_results(tmp_path / "cut.txt")
    tracked = int(captured.out.split("tracked ")[1].split(" frames")[0])
    assert 5 < tracked < FRAMES and max(rows.frames) <= tracked
    capture = cv2.VideoCapture(str(tmp_path / "cut.mp4"))
    count = 0
    while capture.read()[0]:
        count += 1
    assert count == tracked  # the video is complete up to where the stream ended


def test_a_window_without_a_display_is_refused_before_any_work(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert _track(str(DEMO_SEQ), tmp_path / "t.txt", "--show") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--show: no display to open a window on" in err[0]
    assert not list(tmp_path.iterdir())
