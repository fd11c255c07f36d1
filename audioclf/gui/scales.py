"""Axis arithmetic for the views (Qt-free): mel band positions in Hz, frame edges in seconds.

Mel scale (HTK, as the front end uses: ``mel_scale="htk"``)::

    mel(f) = 2595 * log10(1 + f / 700)        f(mel) = 700 * (10 ** (mel / 2595) - 1)

The ``n_mels`` triangular filters have ``n_mels + 2`` edge points equally spaced in mel from
``f_min`` to ``top_hz``; band ``i`` (0-based) peaks at point ``i + 1``. In the image, band ``i``
is the row spanning ``y`` in ``[i, i + 1)``, so its centre frequency sits at ``y = i + 0.5``.
"""

from __future__ import annotations

import numpy as np

from audioclf.config import FeatureConfig


def hz_to_mel(f: np.ndarray | float) -> np.ndarray:
    return 2595.0 * np.log10(1.0 + np.asarray(f, np.float64) / 700.0)


def mel_to_hz(m: np.ndarray | float) -> np.ndarray:
    return 700.0 * (10.0 ** (np.asarray(m, np.float64) / 2595.0) - 1.0)


def _mel_grid(cfg: FeatureConfig) -> tuple[float, float]:
    lo, hi = float(hz_to_mel(cfg.f_min)), float(hz_to_mel(cfg.top_hz))
    return lo, (hi - lo) / (cfg.n_mels + 1)


def band_centres_hz(cfg: FeatureConfig) -> np.ndarray:
    """(n_mels,) centre frequency of each mel band in Hz."""
    lo, step = _mel_grid(cfg)
    return mel_to_hz(lo + step * np.arange(1, cfg.n_mels + 1))


def hz_to_y(cfg: FeatureConfig, f: np.ndarray | float) -> np.ndarray:
    """Image y coordinate (band units) of frequency ``f``; band centres map to i + 0.5."""
    lo, step = _mel_grid(cfg)
    return (hz_to_mel(f) - lo) / step - 0.5


def y_to_hz(cfg: FeatureConfig, y: np.ndarray | float) -> np.ndarray:
    lo, step = _mel_grid(cfg)
    return mel_to_hz(lo + step * (np.asarray(y, np.float64) + 0.5))


def hz_ticks(cfg: FeatureConfig) -> list[tuple[float, str]]:
    """(y, label) for round frequencies inside the band range: 100 Hz, 200 Hz, 500 Hz, 1k..."""
    lo, hi = band_centres_hz(cfg)[[0, -1]]
    out = []
    for decade in (10, 100, 1000, 10000):
        for m in (1, 2, 5):
            f = m * decade
            if lo <= f <= hi:
                out.append((float(hz_to_y(cfg, f)), f"{f // 1000}k" if f >= 1000 else str(f)))
    return out


def frame_span_s(cfg: FeatureConfig, n_frames: int) -> tuple[float, float]:
    """(x0, width) in seconds so that column k is centred on frame k's centre time."""
    hop_s = cfg.hop_length / cfg.sample_rate
    x0 = (cfg.n_fft / 2.0) / cfg.sample_rate - hop_s / 2.0
    return x0, n_frames * hop_s
