"""Inference fast paths give the same numbers as the plain layers they replace."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from audioclf.config import FeatureConfig, ModelConfig
from audioclf.features import LogMel
from audioclf.model import ConvLSTM, _max_pool_nonneg


@pytest.mark.parametrize("shape", [(3, 4, 40, 100), (2, 3, 41, 101), (1, 2, 5, 7), (2, 2, 3, 1)])
@pytest.mark.parametrize("k", [(2, 2), (2, 1), (3, 2), (4, 3)])
def test_pairwise_max_pool_equals_maxpool2d(shape, k) -> None:
    y = torch.relu(torch.randn(*shape))
    ref = torch.nn.MaxPool2d(k, k, ceil_mode=True)(y)
    assert torch.equal(_max_pool_nonneg(y, k), ref)
    # written time-major for the LSTM: the same values, laid out (T', B, C, F') in memory
    tm = _max_pool_nonneg(y, k, time_major=True)
    assert torch.equal(tm, ref) and tm.permute(3, 0, 1, 2).is_contiguous()


def test_shared_windows_reach_the_lstm_without_layout_copies() -> None:
    """The timeline path hands each conv block and the LSTM the memory layout they read
    (channels-last, then time-major), so no block or LSTM input is copied to re-lay it out."""
    from audioclf.model import _channels_last, _lstm_input
    from audioclf.overlap import first_block_of_windows

    m = _model(input_norm="band_mean", time_pool=5, norm_dct=3, bidirectional=True)
    frames = torch.randn(40, 8 * 10 + 100)
    with torch.no_grad():
        x = first_block_of_windows(m, frames, 9, 10, 100)
        assert x is not None and _channels_last(x) is x
        y = m.blocks[1](x, None, time_major=True)
        assert _lstm_input(y).data_ptr() == y.data_ptr()  # a view, not a copy


def _model(**kw) -> ConvLSTM:
    torch.manual_seed(0)
    m = ConvLSTM(ModelConfig(**kw), n_mels=40, n_classes=5)
    for b in m.blocks:  # non-trivial BatchNorm statistics
        b.bn.running_mean.normal_()
        b.bn.running_var.uniform_(0.5, 2.0)
        b.bn.weight.data.uniform_(0.5, 2.0)
        b.bn.bias.data.normal_()
    return m.eval()


@pytest.mark.parametrize("kw", [{}, {"bidirectional": True, "num_layers": 2},
                                {"input_norm": "band_mean", "time_pool": 1}])
def test_eval_fast_path_equals_reference_layers(kw) -> None:
    m = _model(**kw)
    x = torch.randn(6, 1, 40, 99)
    with torch.no_grad():
        fast = m.clip_logits(x)  # lengths=None: no packing, no masks, folded BN, fast pool
        packed = m.clip_logits(x, torch.full((6,), 99))  # packed, masked
        # reference: the plain layers (BatchNorm module, MaxPool2d), as in training mode
        for b in m.blocks:
            b.training = True
            b.bn.training = False  # running statistics, as in eval
        plain = m.clip_logits(x, torch.full((6,), 99))
    assert (fast - packed).abs().max() < 1e-5
    assert (fast - plain).abs().max() < 1e-5


@pytest.mark.parametrize("rate", [8000, 16000, 48000])
def test_front_end_equals_torchaudio_definition(rate) -> None:
    cfg = FeatureConfig.for_sample_rate(rate, n_mels=40)
    front = LogMel(cfg)
    x = torch.from_numpy(np.random.default_rng(0).standard_normal((2, 9000)).astype(np.float32))
    x[1, :4000] = 0  # digital silence hits the amin floor
    with torch.no_grad():
        ref = (10 * torch.log10(torch.clamp(front.mel(x), min=cfg.amin)) - cfg.norm_mean_db
               ) / cfg.norm_std_db
        assert (front(x)[:, 0] - ref).abs().max() < 1e-5


@pytest.mark.parametrize("kw", [
    {},
    {"input_norm": "band_mean", "time_pool": 4, "bidirectional": True},
    {"input_norm": "none", "time_pool": 3, "kernel_size": 5},
    {"input_norm": "band_mean", "time_pool": 1, "lifter": 12},
    {"input_norm": "band_mean", "time_pool": 4, "norm_dct": 3, "bidirectional": True},
    {"input_norm": "band_mean", "time_pool": 5, "norm_dct": 3, "bidirectional": True},
    {"time_pool": 4, "kernel_size": 1},
    {"time_pool": 2, "kernel_size": 7, "conv_channels": (4, 8, 8)},
])
@pytest.mark.parametrize(("window", "hop"), [(100, 10), (37, 3), (8, 1), (9, 20), (5, 2)])
def test_shared_first_block_equals_window_by_window(kw, window, hop) -> None:
    """Overlapping windows through the shared first block (audioclf.overlap) give the logits
    of each window alone: edges, pooling phases, partial pooling groups, every input_norm."""
    m = _model(**kw)
    n = 9
    frames = torch.randn(40, (n - 1) * hop + window) * 2 + 1
    with torch.no_grad():
        alone = m.clip_logits(torch.stack([frames[:, i * hop:i * hop + window]
                                           for i in range(n)])[:, None])
        shared = m.clip_logits_of_windows(frames, n, hop, window)
    assert (alone - shared).abs().max() < 1e-5
