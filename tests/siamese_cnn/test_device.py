"""Where the CNN runs: the CPU path is the same as ever, CUDA where there is one (these tests skip
without it), and one clear line where it is asked for and absent."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from siamtrack.siamese_cnn import PatchMatcher
from siamtrack.siamese_cnn.device import resolve_device
from siamtrack.siamese_cnn.errors import InputError
from siamtrack.tracker.app.cli import main
from tests.conftest import DEMO_SEQ

CUDA = torch.cuda.is_available()


def _frames() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    a, b = (cv2.imread(str(DEMO_SEQ / "img1" / f"{i:06d}.jpg")) for i in (1, 2))
    boxes = np.array([[100.0, 150.0, 60.0, 160.0], [300.0, 140.0, 70.0, 180.0]])
    return a, b, boxes


def test_device_names_resolve_or_say_why_not():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto") == torch.device("cuda" if CUDA else "cpu")
    with pytest.raises(InputError, match="not a device name"):
        resolve_device("tpu")
    if not CUDA:
        with pytest.raises(InputError, match=r"device cuda: CUDA is not available .*use --device cpu or auto"):
            resolve_device("cuda")


def test_the_cpu_matcher_is_the_one_loaded_without_a_device():
    a, b, boxes = _frames()
    plain, cpu = PatchMatcher.load(), PatchMatcher.load(device="cpu")
    assert torch.equal(plain.describe(b, boxes, a).embeddings, cpu.describe(b, boxes, a).embeddings)


@pytest.mark.skipif(not CUDA, reason="needs a CUDA GPU")
def test_the_cuda_matcher_describes_as_the_cpu_one():
    a, b, boxes = _frames()
    gpu, cpu = PatchMatcher.load(device="cuda"), PatchMatcher.load(device="cpu")
    on_gpu, on_cpu = gpu.describe(b, boxes, a), cpu.describe(b, boxes, a)
    assert on_gpu.embeddings.device.type == "cpu"  # handed back where the tracker reads them
    torch.testing.assert_close(on_gpu.embeddings, on_cpu.embeddings, atol=1e-4, rtol=1e-4)
    np.testing.assert_allclose(gpu.match_probability(on_gpu, on_gpu), cpu.match_probability(on_cpu, on_cpu),
                               atol=1e-4)


def test_asking_for_cuda_without_it_is_one_line_and_auto_says_where_it_ran(tmp_path, capsys):
    base = ["track", str(DEMO_SEQ), "--detections", str(DEMO_SEQ / "det" / "det.txt"), "--no-video", "--quiet",
            "--max-frames", "5", "--mot-output", str(tmp_path / "t.txt")]
    if not CUDA:
        assert main([*base, "--device", "cuda"]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "device cuda: CUDA is not available" in err[0]
        assert not (tmp_path / "t.txt").exists()
    assert main([*base, "--device", "auto"]) == 0
    assert f"CNN on {'cuda' if CUDA else 'cpu'}" in capsys.readouterr().out
