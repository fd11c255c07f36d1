"""Compute device selection: CUDA, then Apple MPS, then CPU; or forced by name."""

from __future__ import annotations

import torch

from audioclf.errors import AudioclfError


def available_devices() -> list[str]:
    """Names a user can pick: always 'cpu', plus 'cuda'/'mps' when present."""
    names = ["cpu"]
    if torch.cuda.is_available():
        names.append("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        names.append("mps")
    return names


def concrete(device: torch.device) -> torch.device:
    """``cuda`` -> ``cuda:N`` (the current GPU), so that it compares equal to the device a
    tensor reports; other devices unchanged."""
    if device.type == "cuda" and device.index is None:
        return torch.device("cuda", torch.cuda.current_device())
    return device


def select_device(name: str | None = "auto") -> torch.device:
    """'auto' picks CUDA, then MPS, then CPU; anything else must be available.

    A CUDA device always comes back with its index (``cuda:0``, see :func:`concrete`)."""
    name = (name or "auto").strip().lower()
    if name == "auto":
        for cand in ("cuda", "mps"):
            if cand in available_devices():
                return concrete(torch.device(cand))
        return torch.device("cpu")
    kind = name.split(":")[0]
    if kind not in ("cpu", "cuda", "mps"):
        raise AudioclfError(f"unknown device '{name}' (use auto, cpu, cuda, cuda:N or mps)")
    if kind not in available_devices():
        raise AudioclfError(f"device '{name}' is not available here (available: "
                            f"{', '.join(available_devices())})")
    if kind == "cuda" and ":" in name:
        idx = int(name.split(":")[1])
        if idx >= torch.cuda.device_count():
            raise AudioclfError(f"device '{name}' is not available here")
    return concrete(torch.device(name))
