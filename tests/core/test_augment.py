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
