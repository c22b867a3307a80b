"""Which torch device the CNN runs on: ``cpu``, ``cuda`` (or ``cuda:N``), or ``auto`` (a GPU when
torch sees one, else the CPU).

Why a function of its own: asking for CUDA where there is none must be one clear line, not a
torch traceback from deep inside the first forward pass.
"""

from __future__ import annotations

import torch

from .errors import InputError


def resolve_device(name: str) -> torch.device:
    """The device ``name`` asks for; InputError when it cannot be had on this machine."""
    text = str(name).strip().lower()
    if text == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if text == "cpu":
        return torch.device("cpu")
    if text == "cuda" or text.startswith("cuda:"):
        if not torch.cuda.is_available():
            build = f"built for CUDA {torch.version.cuda}" if torch.version.cuda else "a CPU-only build"
            raise InputError(f"device {name}: CUDA is not available (torch {torch.__version__}, {build}, sees no "
                             "GPU); use --device cpu or auto")
        try:
            device = torch.device(text)
        except RuntimeError:
            raise InputError(f"device {name}: not a device name (cpu, cuda, cuda:N or auto)") from None
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise InputError(f"device {name}: this machine has {torch.cuda.device_count()} CUDA device(s)")
        return device
    raise InputError(f"device {name}: not a device name (cpu, cuda, cuda:N or auto)")
