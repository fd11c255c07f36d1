"""Training: learns synthetic classes fast, saves the best model, cancels and resumes."""

from __future__ import annotations

import numpy as np
import pytest
from synth import make_dataset

from audioclf.checkpoint import load_model
from audioclf.config import FeatureConfig, ModelConfig, TrainConfig
from audioclf.errors import AudioclfError
from audioclf.inference import Classifier
from audioclf.training import Trainer

FC = FeatureConfig.for_sample_rate(8000, n_mels=32)
MC = ModelConfig(conv_channels=(8, 16), hidden_size=32)


def test_tiny_model_generalises_to_new_synthetic_clips(tiny_model, tmp_path):
    test = make_dataset(tmp_path / "test", per_class=15, seed=42)
    clf = Classifier.from_file(tiny_model, "cpu")
    files = sorted(test.rglob("*.wav"))
    acc = np.mean([r.label == r.path.split("/")[-2] for r in clf.classify_files(files)])
    assert acc > 0.9
    b = load_model(tiny_model)
    assert b.labels == ["chirp", "noise", "tone"]
    assert b.training["val_accuracy"] > 0.9


def test_progress_cancel_keeps_best_and_resume_continues(synth_data, tmp_path):
    out = tmp_path / "m.safetensors"
    seen = []
    state = {"epochs": 0}

    def cancel() -> bool:
        return state["epochs"] >= 2

    tr = Trainer(synth_data, out, TrainConfig(epochs=10, batch_size=16, lr=5e-3,
                                              device="cpu", patience=10), FC, MC, cancel=cancel)
    for p in tr.run():
        seen.append(p.phase)
        if p.phase == "validate":
            state["epochs"] += 1
            assert p.improved == (p.epoch == tr.best_epoch)
    assert tr.result is not None and tr.result.cancelled
    assert tr.result.epochs_run == 2
    assert {"scan", "features", "train", "validate", "done"} <= set(seen)
    first = load_model(out)
    assert first.training["epoch"] in (1, 2)
    # resume from the saved model: continues (epoch counter goes on) and still works
    tr2 = Trainer(synth_data, out, TrainConfig(epochs=2, batch_size=16, lr=2e-3, device="cpu"),
                  resume=out)
    list(tr2.run())
    assert tr2.fcfg == first.feature_config  # configs come from the file
    again = load_model(out)
    assert again.training["epoch"] >= first.training["epoch"]
    assert tr2.result is not None and not tr2.result.cancelled


def test_resume_with_other_classes_is_refused(synth_data, tiny_model, tmp_path):
    other = make_dataset(tmp_path / "other", per_class=3)
    (other / "tone").rename(other / "sine")
    tr = Trainer(other, tmp_path / "x.safetensors", TrainConfig(epochs=1, device="cpu"),
                 resume=tiny_model)
    with pytest.raises(AudioclfError, match="differ"):
        list(tr.run())


def test_refuses_to_overwrite_the_default_model(synth_data):
    from audioclf.checkpoint import default_model_path

    with pytest.raises(AudioclfError, match="shipped default"):
        Trainer(synth_data, default_model_path(), TrainConfig(epochs=1))


def test_best_model_breaks_accuracy_ties_by_validation_loss(synth_data, tmp_path):
    """Synthetic classes saturate validation accuracy within a few epochs; among the epochs
    at the best accuracy, the saved model is the one with the lowest validation loss."""
    out = tmp_path / "m.safetensors"
    tr = Trainer(synth_data, out, TrainConfig(epochs=8, batch_size=16, lr=5e-3, device="cpu",
                                              patience=8), FC, MC)
    list(tr.run())
    h = tr.history
    best_acc = max(r["val_acc"] for r in h)
    tied = [r for r in h if r["val_acc"] == best_acc]
    chosen = min(tied, key=lambda r: (r["val_loss"], r["epoch"]))
    assert tr.best_epoch == chosen["epoch"]
    saved = load_model(out).training
    assert saved["val_accuracy"] == best_acc
    assert saved["val_loss"] == pytest.approx(chosen["val_loss"])
    assert all(r["val_loss"] >= 0 for r in h)


def test_same_seed_same_weights_other_seed_other_weights(synth_data, tmp_path):
    """Training is seeded end to end (split, order, augmentation, init): the README's claim
    that the default model rebuilds to the same weights on the same machine rests on this."""
    from safetensors.torch import load_file

    def train(seed: int, name: str) -> dict:
        out = tmp_path / name
        cfg = TrainConfig(epochs=1, batch_size=16, lr=5e-3, device="cpu", seed=seed)
        list(Trainer(synth_data, out, cfg, FC, ModelConfig(conv_channels=(4, 8), hidden_size=8,
                                                           bidirectional=True)).run())
        return load_file(out)

    a, b, c = train(0, "a.safetensors"), train(0, "b.safetensors"), train(1, "c.safetensors")
    assert a.keys() == b.keys() == c.keys()
    assert all(np.array_equal(a[k].numpy(), b[k].numpy()) for k in a)
    assert any(not np.array_equal(a[k].numpy(), c[k].numpy()) for k in a)
