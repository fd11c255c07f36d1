"""Distillation: teachers' averaged, softened probabilities; the mixed loss; training with it."""

from __future__ import annotations

import dataclasses

import pytest
import torch
import torch.nn.functional as F

from audioclf.checkpoint import ModelBundle, load_model, save_model
from audioclf.cli import main
from audioclf.config import FeatureConfig, ModelConfig, TrainConfig
from audioclf.distill import Teachers
from audioclf.errors import AudioclfError
from audioclf.training import Trainer

CPU = torch.device("cpu")


def _batch(fcfg: FeatureConfig, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(4, 1, fcfg.n_mels, 90, generator=g)
    lengths = torch.tensor([90, 70, 50, 30])
    x[1, ..., 70:] = 0
    x[2, ..., 50:] = 0
    x[3, ..., 30:] = 0
    return x, lengths


def _perturbed(tiny_model, path, scale: float) -> ModelBundle:
    """The tiny model with every weight jittered: a second, different teacher."""
    b = load_model(tiny_model)
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for p in b.model.parameters():
            p.add_(torch.randn(p.shape, generator=g) * scale * p.abs().mean())
    save_model(path, b)
    return load_model(path)


def test_probs_are_the_mean_of_each_teachers_softened_probabilities(tiny_model, tmp_path):
    a = load_model(tiny_model)
    b = _perturbed(tiny_model, tmp_path / "b.safetensors", 0.3)
    x, lengths = _batch(a.feature_config)
    t = Teachers([str(tiny_model), str(tmp_path / "b.safetensors")], a.feature_config,
                 CPU, temperature=3.0).align(a.labels)
    with torch.no_grad():
        want = (F.softmax(a.model.clip_logits(x, lengths) / 3.0, -1)
                + F.softmax(b.model.clip_logits(x, lengths) / 3.0, -1)) / 2
    got = t.probs(x, lengths)
    assert torch.allclose(got, want, atol=1e-6)
    assert torch.allclose(got.sum(-1), torch.ones(4), atol=1e-6)
    # a softer temperature really flattens: the top probability falls
    t1 = Teachers([str(tiny_model)], a.feature_config, CPU, temperature=1.0).align(a.labels)
    t5 = Teachers([str(tiny_model)], a.feature_config, CPU, temperature=5.0).align(a.labels)
    assert bool((t5.probs(x, lengths).max(-1).values < t1.probs(x, lengths).max(-1).values).all())


def test_teacher_outputs_follow_the_students_class_order(tiny_model):
    a = load_model(tiny_model)
    t = Teachers([str(tiny_model)], a.feature_config, CPU, temperature=1.0).align(a.labels)
    flipped = list(reversed(a.labels))  # a student whose classes come in another order
    u = Teachers([str(tiny_model)], a.feature_config, CPU, temperature=1.0).align(flipped)
    x, lengths = _batch(a.feature_config, seed=2)
    assert torch.allclose(u.probs(x, lengths), t.probs(x, lengths).flip(-1), atol=1e-7)


def test_loss_mixes_label_and_teacher_terms(tiny_model):
    a = load_model(tiny_model)
    x, lengths = _batch(a.feature_config, seed=3)
    with torch.no_grad():
        same = a.model.clip_logits(x, lengths)
    ce = torch.tensor(0.7)
    only_labels = Teachers([str(tiny_model)], a.feature_config, CPU, weight=0.0).align(a.labels)
    assert torch.allclose(only_labels.loss(ce, same, x, lengths), ce)
    only_teacher = Teachers([str(tiny_model)], a.feature_config, CPU, weight=1.0).align(a.labels)
    assert only_teacher.loss(ce, same, x, lengths).abs() < 1e-5  # matches it exactly
    other = torch.zeros_like(same)  # a student that says "uniform"
    kd = only_teacher.loss(ce, other, x, lengths)
    assert kd > 1e-3
    half = Teachers([str(tiny_model)], a.feature_config, CPU, weight=0.5).align(a.labels)
    assert torch.allclose(half.loss(ce, other, x, lengths), 0.5 * ce + 0.5 * kd, atol=1e-6)
    other.requires_grad_(True)  # the gradient pulls the student towards the teacher
    only_teacher.loss(ce, other, x, lengths).backward()
    assert torch.allclose(other.grad.argmin(-1), same.argmax(-1))


def test_unusable_teachers_are_clear_errors(tiny_model):
    a = load_model(tiny_model)
    other_front_end = dataclasses.replace(a.feature_config, n_mels=40)
    with pytest.raises(AudioclfError, match="features differ"):
        Teachers([str(tiny_model)], other_front_end, CPU).align(a.labels)
    with pytest.raises(AudioclfError, match="classes"):
        Teachers([str(tiny_model)], a.feature_config, CPU).align([*a.labels, "extra"])
    with pytest.raises(AudioclfError, match="weight"):
        Teachers([str(tiny_model)], a.feature_config, CPU, weight=1.5).align(a.labels)
    with pytest.raises(AudioclfError, match="temperature"):
        Teachers([str(tiny_model)], a.feature_config, CPU, temperature=0).align(a.labels)


def test_training_with_teachers_learns_and_records_them(synth_data, tiny_model, tmp_path):
    teacher = load_model(tiny_model)
    out = tmp_path / "student.safetensors"
    tr = Trainer(synth_data, out,
                 TrainConfig(epochs=8, batch_size=8, lr=5e-3, val_fraction=0.2, seed=1,
                             device="cpu", patience=8, teachers=(str(tiny_model),),
                             distill_weight=0.7),
                 teacher.feature_config,
                 ModelConfig(conv_channels=(8,), hidden_size=16, window_s=1.0))
    for _ in tr.run():
        pass
    assert tr.result is not None and tr.result.best_val_acc >= 0.9
    saved = load_model(out)
    assert saved.training["train_config"]["teachers"] == [str(tiny_model)]
    assert saved.model_config.conv_channels == (8,)  # the student keeps its own shape


def test_cli_teacher_errors_are_one_line(capsys, synth_data, tiny_model, tmp_path):
    out = tmp_path / "m.safetensors"
    code = main(["train", str(synth_data), "--out", str(out), "--epochs", "1",
                 "--sample-rate", "8000", "--n-mels", "40", "--device", "cpu",
                 "--teacher", str(tiny_model)])
    err = capsys.readouterr().err
    assert code != 0 and "features differ" in err and "Traceback" not in err
    assert len(err.strip().splitlines()[-1]) > 0 and not out.exists()
    code = main(["train", str(synth_data), "--out", str(out), "--epochs", "1",
                 "--sample-rate", "8000", "--n-mels", "32", "--device", "cpu",
                 "--teacher", str(tmp_path / "missing.safetensors")])
    err = capsys.readouterr().err
    assert code != 0 and "not found" in err and not out.exists()


def test_teachers_are_checked_before_any_audio_is_decoded(synth_data, tiny_model, tmp_path):
    fcfg = dataclasses.replace(load_model(tiny_model).feature_config, n_mels=40)
    tr = Trainer(synth_data, tmp_path / "m.safetensors",
                 TrainConfig(epochs=1, device="cpu", teachers=(str(tiny_model),)), fcfg)
    phases = []
    with pytest.raises(AudioclfError, match="features differ"):
        for p in tr.run():
            phases.append(p.phase)
    assert phases == []  # not even the folder scan
