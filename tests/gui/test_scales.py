"""Axis arithmetic of the views (Qt-free): mel band centres in Hz, frame edges in seconds."""

from __future__ import annotations

import numpy as np
import torchaudio

from audioclf.config import FeatureConfig
from audioclf.features import frame_times_s
from audioclf.gui import scales


def test_band_centres_match_the_front_end_filters() -> None:
    cfg = FeatureConfig.for_sample_rate(8000, n_mels=32)
    fb = torchaudio.functional.melscale_fbanks(cfg.n_fft // 2 + 1, cfg.f_min, cfg.top_hz,
                                               cfg.n_mels, cfg.sample_rate, None, "htk")
    bins_hz = np.linspace(0, cfg.sample_rate / 2, cfg.n_fft // 2 + 1)
    peaks = bins_hz[fb.numpy().argmax(0)]  # FFT bin where each filter peaks
    centres = scales.band_centres_hz(cfg)
    assert np.all(np.diff(centres) > 0)
    assert np.all(np.abs(peaks - centres) <= cfg.sample_rate / cfg.n_fft)  # within one bin
    y = scales.hz_to_y(cfg, centres)
    np.testing.assert_allclose(y, np.arange(cfg.n_mels) + 0.5, atol=1e-9)
    np.testing.assert_allclose(scales.y_to_hz(cfg, y), centres)
    ticks = scales.hz_ticks(cfg)
    labs = [lab for _, lab in ticks]
    assert {"100", "500", "1k"} <= set(labs) and labs[-1] == "2k"
    assert all(0 <= y < cfg.n_mels for y, _ in ticks)


def test_frame_span_centres_columns_on_frame_times() -> None:
    cfg = FeatureConfig()
    x0, width = scales.frame_span_s(cfg, 100)
    hop = cfg.hop_length / cfg.sample_rate
    np.testing.assert_allclose(x0 + (np.arange(100) + 0.5) * hop, frame_times_s(cfg, 0, 100))
    assert width == 100 * hop
