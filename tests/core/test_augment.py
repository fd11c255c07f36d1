"""Training-side augmentation on cached features (dataset.augment_example)."""

import numpy as np
import torch

from audioclf.config import FeatureConfig
from audioclf.dataset import Augment, augment_example

CFG = FeatureConfig.for_sample_rate(8000, n_mels=40)
OFF = Augment(stretch=0, warp=0, gain_db=0, eq_db=0, embed_prob=0, noise_prob=0,
              time_mask=0, freq_mask=0)
BANK = torch.zeros(40, 400)


def _example(t=60):
    return torch.randn(40, t, generator=torch.Generator().manual_seed(0))


def test_everything_off_is_identity():
    f = _example()
    out = augment_example(f, 100, OFF, CFG, BANK, np.random.default_rng(0))
    assert torch.equal(out, f)
    # strength 0 of the full recipe (the first curriculum epoch) changes nothing either
    out = augment_example(f, 100, Augment(eq_db=8).scaled(0.0), CFG, BANK,
                          np.random.default_rng(0))
    assert torch.equal(out, f)


def test_eq_is_a_smooth_bounded_colouring_constant_over_time():
    f = _example()
    aug = Augment(**{**OFF.__dict__, "eq_db": 8.0})
    seen = []
    for seed in range(20):
        d = augment_example(f, 100, aug, CFG, BANK, np.random.default_rng(seed)) - f
        curve = d[:, 0]
        assert torch.allclose(d, curve[:, None].expand_as(d), atol=1e-6)  # same every frame
        assert float(curve.abs().max()) <= 8.0 / CFG.norm_std_db + 1e-6  # within +-eq_db
        assert float(curve.diff().abs().max()) < 0.15 * 8.0 / CFG.norm_std_db  # smooth: no band-to-band jumps
        seen.append(curve)
    spread = torch.stack(seen).std(0)
    assert float(spread.min()) > 0.01  # it does colour, differently each time


def test_clips_longer_than_the_window_are_cropped():
    out = augment_example(_example(250), 100, Augment(eq_db=8), CFG, BANK,
                          np.random.default_rng(1))
    assert out.shape[0] == 40 and out.shape[1] <= 100


def test_full_recipe_leaves_the_cached_example_alone_and_stays_float32():
    bank = torch.randn(40, 400, generator=torch.Generator().manual_seed(1))
    for t in (3, 60, 100, 250):
        f = _example(t)
        before = f.clone()
        for seed in range(30):
            out = augment_example(f, 100, Augment(), CFG, bank, np.random.default_rng(seed))
            assert out.dtype == torch.float32 and out.shape[0] == 40
            assert 1 <= out.shape[1] <= 100 and torch.isfinite(out).all()
            out += 1.0  # the caller may write into what it got...
        assert torch.equal(f, before)  # ...and the cache keeps the original


class _FixedDraws:
    """Stands in for MixStyle's generator: always mixes, with a known partner and weight."""

    def __init__(self, perm, lam):
        self.perm, self.lam = np.array(perm), lam

    def random(self):
        return 0.0

    def permutation(self, n):
        return self.perm[:n]

    def beta(self, a, b, size):
        return np.full(size, self.lam)


def test_mixstyle_mixes_each_examples_channel_statistics_over_its_real_frames():
    from audioclf.mixstyle import MixStyle

    block = torch.nn.Identity()
    ms = MixStyle(alpha=0.1, time_pool=2, seed=0)
    ms.p, ms.rng = 1.0, _FixedDraws([1, 0, 2], 0.25)
    ms.lengths = torch.tensor([12, 8, 5])  # frames before the block's time stride of 2
    g = torch.Generator().manual_seed(1)
    y = torch.rand(3, 4, 5, 6, generator=g) * torch.tensor([1.0, 3.0, 0.5])[:, None, None, None]
    y[1, :, :, 4:] = 0  # padding after ceil(8 / 2) = 4 steps, and after ceil(5 / 2) = 3
    y[2, :, :, 3:] = 0
    out = ms(block.train(), (y,), y)

    def stats(x, n):
        v = x[:, :, :n]
        return v.mean(dim=(1, 2)), v.std(dim=(1, 2), unbiased=False)

    steps = [6, 4, 3]
    for i, j in [(0, 1), (1, 0)]:  # swapped partners; example 2 is its own partner
        mu_i, sd_i = stats(y[i], steps[i])
        mu_j, sd_j = stats(y[j], steps[j])
        mu_o, sd_o = stats(out[i], steps[i])
        assert torch.allclose(mu_o, 0.25 * mu_i + 0.75 * mu_j, atol=1e-5)
        assert torch.allclose(sd_o, 0.25 * sd_i + 0.75 * sd_j, atol=1e-3)
        assert torch.all(out[i, :, :, steps[i]:] == 0)  # padded frames stay zero
    assert torch.allclose(out[2], y[2], atol=1e-5)  # mixed with itself: unchanged
    assert ms(block.eval(), (y,), y) is None  # never at inference


def test_training_with_mixstyle_learns_and_leaves_no_hook(synth_data, tmp_path):
    from audioclf.config import ModelConfig, TrainConfig
    from audioclf.training import Trainer

    tr = Trainer(synth_data, tmp_path / "m.safetensors",
                 TrainConfig(epochs=8, batch_size=8, lr=5e-3, val_fraction=0.2, seed=0,
                             device="cpu", patience=8),
                 FeatureConfig.for_sample_rate(8000, n_mels=32),
                 ModelConfig(conv_channels=(8, 16), hidden_size=32, window_s=1.0),
                 augment=Augment(mixstyle=1.0))
    for _ in tr.run():
        pass
    assert tr.result is not None and tr.result.best_val_acc >= 0.9
    assert not tr.bundle.model.blocks[0]._forward_hooks


def test_fast_ramp_is_linspace_to_the_bit():
    from audioclf.dataset import _ramp

    for stop in (0, 1, 2, 7, 39, 60, 99, 123.0):
        for num in (0, 1, 2, 3, 17, 40, 64, 100, 137):
            a, b = _ramp(stop, num), np.linspace(0.0, stop, num)
            assert a.dtype == b.dtype and np.array_equal(a, b), (stop, num)


def test_mask_fill_is_the_mean_to_the_bit():
    # augment_example fills its masks with np.add.reduce / size: the same float32 as f.mean()
    rng = np.random.default_rng(3)
    for shape in ((40, 1), (40, 37), (40, 100), (64, 250)):
        f = rng.standard_normal(shape).astype(np.float32) * 3 + 1
        assert float(np.add.reduce(f, axis=None) / f.size) == float(f.mean())
