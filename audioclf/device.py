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


def select_device(name: str | None = "auto") -> torch.device:
    """'auto' picks CUDA, then MPS, then CPU; anything else must be available."""
    name = (name or "auto").strip().lower()
    if name == "auto":
        for cand in ("cuda", "mps"):
            if cand in available_devices():
                return torch.device(cand)
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
    return torch.device(name)
