"""Synthetic audio for tests: three easy classes (tone, chirp, noise) written with soundfile."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

SR = 8000
CLASSES = ("chirp", "noise", "tone")  # sorted, as the labels will be


def make_clip(kind: str, rng: np.random.Generator, sr: int = SR, dur_s: float | None = None
              ) -> np.ndarray:
    dur = dur_s if dur_s is not None else rng.uniform(0.3, 0.8)
    t = np.arange(int(dur * sr)) / sr
    if kind == "tone":
        x = np.sin(2 * np.pi * rng.uniform(400, 600) * t)
    elif kind == "chirp":
        f0, f1 = rng.uniform(300, 500), rng.uniform(2000, 3000)
        x = np.sin(2 * np.pi * (f0 * t + (f1 - f0) * t**2 / (2 * dur)))
    elif kind == "noise":
        x = rng.standard_normal(t.size)
        x /= np.abs(x).max()
    else:
        raise ValueError(kind)
    env = np.minimum(1.0, np.minimum(t, t[-1] - t) / 0.02 + 1e-3)
    return (rng.uniform(0.2, 0.6) * x * env).astype(np.float32)


def make_dataset(root: Path, per_class: int = 20, seed: int = 0, sr: int = SR) -> Path:
    """root/<class>/<class>_<i>.wav, ``per_class`` clips each."""
    rng = np.random.default_rng(seed)
    for kind in CLASSES:
        d = root / kind
        d.mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            sf.write(d / f"{kind}_{i}.wav", make_clip(kind, rng, sr), sr)
    return root
