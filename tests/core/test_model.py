"""The Conv2d-LSTM: shapes for every layer/direction combination, padding invariance."""

from __future__ import annotations

import itertools

import pytest
import torch

from audioclf.config import ModelConfig
from audioclf.model import ConvLSTM


@pytest.mark.parametrize("layers,bidir,norm", list(itertools.product(
    [1, 2, 3], [False, True], ["none", "band_mean"])))
def test_shapes(layers, bidir, norm):
    cfg = ModelConfig(conv_channels=(4, 8), hidden_size=12, num_layers=layers,
                      bidirectional=bidir, input_norm=norm)
    m = ConvLSTM(cfg, n_mels=32, n_classes=5).eval()
    x = torch.randn(3, 1, 32, 40)
    lengths = torch.tensor([40, 25, 7])
    clip, steps = m(x, lengths)
    assert clip.shape == (3, 5)
    assert steps.shape == (3, 20, 5)  # default time_pool=2: ceil(40 / 2) steps
    assert m.lstm_input == 8 * (32 // 4)  # channels x pooled frequency
    out, final, _ = m.encode(x, lengths)
    assert out.shape == (3, 20, 12 * (2 if bidir else 1))
    assert final.shape == (3, 12 * (2 if bidir else 1))


@pytest.mark.parametrize("layers,bidir", [(1, False), (2, True), (3, False)])
def test_final_state_is_last_layer_not_mixed(layers, bidir):
    """Clip logits use the last layer's final state: forward direction = output at the last
    true frame, backward direction = output at frame 0."""
    cfg = ModelConfig(conv_channels=(4,), hidden_size=6, num_layers=layers, bidirectional=bidir)
    m = ConvLSTM(cfg, n_mels=16, n_classes=3).eval()
    x = torch.randn(2, 1, 16, 20)
    lengths = torch.tensor([20, 11])
    with torch.no_grad():
        out, final, lengths = m.encode(x, lengths)
    for b, n in enumerate(lengths.tolist()):
        assert torch.allclose(final[b, :6], out[b, n - 1, :6], atol=1e-6)
        if bidir:
            assert torch.allclose(final[b, 6:], out[b, 0, 6:], atol=1e-6)


@pytest.mark.parametrize("layers,bidir", list(itertools.product([1, 2, 3], [False, True])))
def test_dense_padded_lstm_equals_packing(layers, bidir):
    """The CPU path (dense one-directional runs, the reverse one over each sequence reversed
    within its length) gives what packing the sequences gives: outputs, zeros at padded
    steps, final states, and the gradients of the LSTM weights and of its input (which the
    conv blocks learn from)."""
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    torch.manual_seed(layers)
    cfg = ModelConfig(conv_channels=(4,), hidden_size=7, num_layers=layers, bidirectional=bidir,
                      dropout=0.0)
    m = ConvLSTM(cfg, n_mels=8, n_classes=3)
    seq = torch.randn(4, 9, m.lstm_input, requires_grad=True)
    lengths = torch.tensor([9, 4, 1, 6])
    out, final = m.lstm_padded(seq, lengths)
    (out.square().sum() + final.sum()).backward()
    dense_grads = [p.grad.clone() for p in m.lstm.parameters()]
    dense_input_grad = seq.grad.clone()
    m.zero_grad()
    seq.grad = None
    packed = pack_padded_sequence(seq, lengths, batch_first=True, enforce_sorted=False)
    ref_packed, (h_n, _) = m.lstm(packed)
    ref, _ = pad_packed_sequence(ref_packed, batch_first=True, total_length=9)
    ref_final = m._final(h_n, 4)
    (ref.square().sum() + ref_final.sum()).backward()
    assert (out - ref).abs().max() < 1e-5
    assert (final - ref_final).abs().max() < 1e-5
    assert out[1, 4:].abs().max() == 0 and out[2, 1:].abs().max() == 0
    for g, p in zip(dense_grads, m.lstm.parameters(), strict=True):
        assert (g - p.grad).abs().max() < 1e-4
    assert (dense_input_grad - seq.grad).abs().max() < 1e-5
    assert not any("one_way" in k for k in m.state_dict())  # the helpers hold no weights
    assert all(p.is_meta for h in m._one_way for p in h.parameters())  # nor memory, nor RNG draws


@pytest.mark.parametrize("bidir,norm", [(False, "band_mean"), (True, "band_mean"), (True, "none")])
def test_padding_invariance(bidir, norm):
    torch.manual_seed(0)
    cfg = ModelConfig(conv_channels=(8, 16), hidden_size=16, num_layers=2, bidirectional=bidir, time_pool=2,
                      input_norm=norm)
    m = ConvLSTM(cfg, n_mels=32, n_classes=4).eval()
    # make batch norm non-trivial so padding would leak if it were not masked
    for mod in m.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            mod.running_mean.uniform_(-1, 1)
            mod.running_var.uniform_(0.5, 2)
    clip = torch.randn(1, 1, 32, 23)
    batch = torch.randn(3, 1, 32, 60)
    batch[1, :, :, :23] = clip[0]
    batch[1, :, :, 23:] = 0
    with torch.no_grad():
        alone = m.clip_logits(clip)
        padded = m.clip_logits(batch, torch.tensor([60, 23, 41]))
    assert (alone[0] - padded[1]).abs().max() < 1e-5


def test_time_axis_is_kept():
    m = ConvLSTM(ModelConfig(conv_channels=(4, 4, 4), time_pool=1), n_mels=40, n_classes=2).eval()
    _, steps = m(torch.randn(1, 1, 40, 37))
    assert steps.shape[1] == 37  # time_pool=1 keeps every frame


def test_time_stride_is_fixed_and_documented():
    m = ConvLSTM(ModelConfig(conv_channels=(4, 4), time_pool=2), n_mels=16, n_classes=2).eval()
    _, steps = m(torch.randn(1, 1, 16, 37))
    assert steps.shape[1] == 19  # ceil(37 / 2)
    _, _, lengths = m.encode(torch.randn(3, 1, 16, 37), torch.tensor([37, 10, 1]))
    assert lengths.tolist() == [19, 5, 1]


def test_lifter_keeps_the_envelope_and_drops_fine_structure():
    """lifter=K: the model sees only each frame's first K DCT coefficients across bands, so
    adding fine spectral ripple (higher DCT components, e.g. pitch harmonics) changes nothing,
    while a change of the envelope does."""
    import torchaudio

    torch.manual_seed(0)
    m = ConvLSTM(ModelConfig(lifter=8, input_norm="band_mean"), n_mels=32, n_classes=4).eval()
    dct = torchaudio.functional.create_dct(32, 32, norm="ortho")  # (F, F), columns = bases
    x = torch.randn(2, 1, 32, 50)
    ripple = (dct[:, 8:] @ torch.randn(24, 50))[None, None]  # components 8.. only
    envelope = (dct[:, :8] @ torch.randn(8, 50))[None, None]
    with torch.no_grad():
        base = m.clip_logits(x)
        assert (m.clip_logits(x + 3 * ripple) - base).abs().max() < 1e-4
        assert (m.clip_logits(x + 3 * envelope) - base).abs().max() > 1e-3
    with pytest.raises(ValueError, match="lifter"):
        ConvLSTM(ModelConfig(lifter=33), n_mels=32, n_classes=4)


def test_norm_dct_removes_the_smooth_colouring_and_keeps_the_formants():
    """norm_dct=K: of each band's mean over the window, only the first K DCT components
    across bands are subtracted. A colouring made of those components (the same in every
    frame: a microphone) changes nothing; a finer one (a word's vowel) still does. K = 1 is
    the "mean" norm; K = F is plain band_mean."""
    import torchaudio

    torch.manual_seed(0)
    m = ConvLSTM(ModelConfig(input_norm="band_mean", norm_dct=3), n_mels=32, n_classes=4).eval()
    dct = torchaudio.functional.create_dct(32, 32, norm="ortho")  # (F, F), columns = bases
    x = torch.randn(2, 1, 32, 50)
    smooth = (dct[:, :3] @ torch.randn(3, 1))[None, None]  # constant over time
    fine = (dct[:, 6:] @ torch.randn(26, 1))[None, None]
    with torch.no_grad():
        base = m.clip_logits(x)
        assert (m.clip_logits(x + 3 * smooth) - base).abs().max() < 1e-4
        assert (m.clip_logits(x + 3 * fine) - base).abs().max() > 1e-3
        means = x.mean(dim=3, keepdim=True)
        for k, like in ((1, "mean"), (32, "band_mean")):
            a = ConvLSTM(ModelConfig(input_norm="band_mean", norm_dct=k), 32, 4)
            b = ConvLSTM(ModelConfig(input_norm=like), 32, 4)
            assert torch.allclose(a.input_offsets(means), b.input_offsets(means), atol=1e-5)
    with pytest.raises(ValueError, match="norm_dct"):
        ConvLSTM(ModelConfig(input_norm="band_mean", norm_dct=33), n_mels=32, n_classes=4)
    with pytest.raises(ValueError, match="band_mean"):
        ConvLSTM(ModelConfig(input_norm="mean", norm_dct=3), n_mels=32, n_classes=4)


@pytest.mark.parametrize("k", [0, 2, 4])
def test_even_kernel_is_a_clear_error(k):
    """'same' padding needs an odd kernel; an even one would shift the frames and break the
    LSTM's input size, so it is refused up front."""
    with pytest.raises(ValueError, match="kernel_size must be odd"):
        ConvLSTM(ModelConfig(kernel_size=k), n_mels=32, n_classes=4)
