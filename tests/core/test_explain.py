"""Saliency maps (audioclf.explain): shape, range, no side effects, silence gets none."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from synth import SR, make_clip

from audioclf.explain import saliency
from audioclf.features import logmel_array
from audioclf.inference import Classifier


@pytest.fixture(scope="module")
def clf(tiny_model):  # type: ignore[no-untyped-def]
    return Classifier.from_file(tiny_model, "cpu")


def test_shape_range_and_no_side_effects(clf: Classifier) -> None:
    x = make_clip("tone", np.random.default_rng(1), dur_s=0.6)
    before = {k: v.clone() for k, v in clf.model.state_dict().items()}
    s = saliency(clf, samples=x)
    feats = logmel_array(x, clf.fcfg)
    assert s.shape == tuple(feats.shape)
    assert s.dtype == np.float32 and np.isfinite(s).all()
    assert s.min() >= 0.0 and s.max() == pytest.approx(1.0)
    assert not clf.model.training
    assert all(p.grad is None for p in clf.model.parameters())
    assert all(torch.equal(before[k], v) for k, v in clf.model.state_dict().items())
    np.testing.assert_allclose(saliency(clf, features=feats), s, atol=1e-6)


def test_silence_gets_no_relevance(clf: Classifier) -> None:
    tone = make_clip("tone", np.random.default_rng(2), dur_s=0.4)
    gap = np.zeros(int(0.3 * SR), np.float32)
    s = saliency(clf, samples=np.concatenate([gap, tone, gap]))
    per_frame = s.mean(0)
    t = len(per_frame)
    silent = np.r_[per_frame[: t // 5], per_frame[-t // 5:]]
    middle = per_frame[2 * t // 5: 3 * t // 5]
    assert silent.max() < 0.05 * middle.mean()


def test_long_clip_and_explicit_target(clf: Classifier) -> None:
    rng = np.random.default_rng(3)
    x = np.concatenate([make_clip("chirp", rng, dur_s=0.8) for _ in range(3)])  # 2.4 s > window
    s = saliency(clf, samples=x, target=0)
    assert s.shape == (clf.fcfg.n_mels, clf.fcfg.num_frames(x.size))
    assert s.max() == pytest.approx(1.0)


def test_bad_arguments(clf: Classifier) -> None:
    with pytest.raises(ValueError):
        saliency(clf)
    from audioclf.errors import AudioclfError

    with pytest.raises(AudioclfError):
        saliency(clf, features=np.zeros((clf.fcfg.n_mels + 1, 10), np.float32))
