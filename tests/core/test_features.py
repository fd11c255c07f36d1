"""Features: one code path for paths, arrays, batches and streams."""

from __future__ import annotations

import numpy as np
import soundfile as sf
import torch

from audioclf import audio
from audioclf.config import FeatureConfig
from audioclf.features import LogMel, StreamingLogMel, logmel_array

CFG = FeatureConfig.for_sample_rate(8000, n_mels=32)


def test_features_from_path_equal_features_from_array(tmp_path):
    rng = np.random.default_rng(0)
    x = (0.2 * rng.standard_normal(12000)).astype(np.float32)
    p = tmp_path / "x.wav"
    sf.write(p, x, 8000, subtype="FLOAT")
    from_path = logmel_array(audio.load(p, CFG.sample_rate), CFG)
    from_array = logmel_array(x, CFG)
    assert torch.equal(from_path, from_array)


def test_shape_and_frame_count():
    for n in (1, 199, 200, 201, 8000, 12345):
        f = logmel_array(np.zeros(n, np.float32), CFG)
        assert f.shape == (CFG.n_mels, max(1, CFG.num_frames(n)))
        assert torch.isfinite(f).all()


def test_batch_equals_single():
    """A clip alone (1-D path) and in a zero-padded batch (2-D path) give the same bits, so
    `predict DIR` (batched) and training (per clip) see the same features."""
    rng = np.random.default_rng(1)
    lengths = (8000, 5321, 200)
    xs = [(0.1 * rng.standard_normal(n)).astype(np.float32) for n in lengths]
    padded = np.zeros((len(xs), max(lengths)), np.float32)
    for i, x in enumerate(xs):
        padded[i, :x.size] = x
    front = LogMel(CFG)
    with torch.no_grad():
        batch = front(torch.from_numpy(padded))
    for i, x in enumerate(xs):
        single = logmel_array(x, CFG, front)
        if single.shape[1] > 1:
            assert torch.equal(batch[i, 0, :, :single.shape[1]], single)
        else:  # one frame: the BLAS takes a matrix-vector path, last-bit differences
            assert torch.allclose(batch[i, 0, :, :1], single, atol=1e-6)


def test_front_end_is_torchaudio_melspectrogram_in_db():
    """The fast front end computes what its torchaudio MelSpectrogram defines, in normalised
    dB, for one clip and for a batch, at two sample rates."""
    rng = np.random.default_rng(4)
    for cfg in (CFG, FeatureConfig.for_sample_rate(16000, n_mels=64)):
        front = LogMel(cfg)
        xs = (0.1 * rng.standard_normal((2, cfg.sample_rate))).astype(np.float32)
        with torch.no_grad():
            ref = front.mel(torch.from_numpy(xs)).clamp_min(cfg.amin).log10() * 10.0
            ref = (ref - cfg.norm_mean_db) / cfg.norm_std_db
            assert torch.allclose(front(torch.from_numpy(xs))[:, 0], ref, atol=1e-4)
        assert torch.allclose(logmel_array(xs[0], cfg, front), ref[0], atol=1e-4)


def test_streaming_equals_offline_for_any_block_sizes():
    rng = np.random.default_rng(2)
    x = (0.1 * rng.standard_normal(24000)).astype(np.float32)
    whole = logmel_array(x, CFG)
    s = StreamingLogMel(CFG)
    cols, i = [], 0
    while i < x.size:
        n = int(rng.integers(1, 2500))
        cols.append(s.push(x[i:i + n]))
        i += n
    streamed = torch.cat(cols, 1)
    assert streamed.shape == whole.shape
    assert (streamed - whole).abs().max() < 1e-4


def test_gain_shifts_db_uniformly():
    rng = np.random.default_rng(3)
    x = (0.1 * rng.standard_normal(8000)).astype(np.float32)
    a, b = logmel_array(x, CFG), logmel_array(2 * x, CFG)
    shift = (b - a) * CFG.norm_std_db
    assert torch.allclose(shift, torch.full_like(shift, 20 * np.log10(2)), atol=1e-3)
