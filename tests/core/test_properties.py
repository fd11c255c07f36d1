"""Property-based: any audio a file can hold either gives finite features of the documented
shape or raises the project's error, never anything else (hypothesis)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audioclf import audio
from audioclf.config import FeatureConfig
from audioclf.errors import AudioclfError
from audioclf.features import LogMel, StreamingLogMel, logmel_array

FC = FeatureConfig.for_sample_rate(8000, n_mels=32)
FRONT = LogMel(FC)
RATES = st.sampled_from([1000, 4000, 8000, 11025, 16000, 22050, 44100, 48000, 96000, 192000])
SPECIAL = st.floats(allow_nan=True, allow_infinity=True, width=32)
SCALES = st.sampled_from([0.0, 1e-30, 1e-6, 0.5, 1.0, 3.0, 1e4, 1e30])


@st.composite
def clips(draw):  # type: ignore[no-untyped-def]
    rate = draw(RATES)
    channels = draw(st.integers(1, 8))
    max_frames = min(int(2.0 * rate), 300_000 // channels)  # up to 2 s, bounded work
    frames = draw(st.one_of(st.integers(0, 8), st.integers(0, max_frames)))
    seed = draw(st.integers(0, 2**32 - 1))
    x = (np.random.default_rng(seed).standard_normal((frames, channels)) * draw(SCALES))
    x = x.astype(np.float32)
    for _ in range(draw(st.integers(0, 3)) if frames else 0):  # a few arbitrary values
        x[draw(st.integers(0, frames - 1)), draw(st.integers(0, channels - 1))] = draw(SPECIAL)
    subtype = draw(st.sampled_from(["FLOAT", "DOUBLE", "PCM_16", "PCM_24"]))
    ext = draw(st.sampled_from([".wav", ".flac"])) if subtype.startswith("PCM") else ".wav"
    return x, rate, subtype, ext


def _check(feats: torch.Tensor, n: int) -> None:
    assert feats.shape == (FC.n_mels, max(1, FC.num_frames(n)))
    assert torch.isfinite(feats).all()


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(clips())
def test_any_file_gives_finite_features_or_audioclf_error(clip) -> None:  # type: ignore[no-untyped-def]
    x, rate, subtype, ext = clip
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / f"clip{ext}"
        try:
            sf.write(p, x, rate, subtype=subtype)
        except (sf.LibsndfileError, RuntimeError, ValueError, AssertionError):
            # a format refused this (soundfile asserts when the FLAC encoder takes fewer
            # frames than given, e.g. for NaN in PCM_16): the reader must still cope
            p.write_bytes(b"")
        try:
            y = audio.load(p, FC.sample_rate)
        except AudioclfError as exc:
            assert "\n" not in str(exc) and str(p) in str(exc)
            return
        assert y.dtype == np.float32 and y.ndim == 1 and y.size >= 1
        _check(logmel_array(y, FC, FRONT), y.size)
        # the chunked reader agrees (to resampling rounding) or also refuses
        try:
            z = np.concatenate(list(audio.iter_chunks(p, FC.sample_rate, chunk_s=0.3)))
        except AudioclfError:
            raise AssertionError("load() accepted a file that iter_chunks() refused") from None
        assert z.size == y.size
        scale = max(1.0, float(np.abs(y).max()))
        assert np.abs(z - y).max() <= 1e-3 * scale


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.integers(0, 20_000), st.lists(st.integers(1, 5000), min_size=1, max_size=6),
       st.integers(0, 2**32 - 1))
def test_streaming_features_equal_whole_array(n, blocks, seed) -> None:  # type: ignore[no-untyped-def]
    """Any split into blocks gives the same columns as the whole array."""
    x = np.random.default_rng(seed).uniform(-1, 1, n).astype(np.float32)
    s = StreamingLogMel(FC, FRONT)
    cols, pos, i = [], 0, 0
    while pos < n:
        step = blocks[i % len(blocks)]
        cols.append(s.push(x[pos:pos + step]))
        pos += step
        i += 1
    got = torch.cat(cols, 1) if cols else torch.zeros(FC.n_mels, 0)
    assert got.shape[1] == FC.num_frames(n)
    if got.shape[1]:
        assert torch.allclose(got, logmel_array(x, FC, FRONT)[:, : got.shape[1]], atol=1e-4)
