"""Exported models (ONNX, TorchScript) give audioclf's own probabilities from raw audio."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import torch
from synth import make_clip

from audioclf.checkpoint import ModelBundle, build_model, load_model, save_model
from audioclf.config import FeatureConfig, ModelConfig
from audioclf.export import DftLogMel, export_model, sidecar_path
from audioclf.features import LogMel
from audioclf.inference import Classifier

TOL = 1e-4  # max abs difference in probabilities (the bound)


@pytest.fixture(scope="module")
def clf(tiny_model):
    return Classifier.from_file(tiny_model, "cpu")


def clips(sr: int = 8000) -> list[np.ndarray]:
    """Clips no longer than the 1 s window: each class, near-silence, a very short one."""
    rng = np.random.default_rng(4)
    out = [make_clip(k, rng, sr, dur_s=d) for k, d in
           (("tone", 0.5), ("chirp", 1.0), ("noise", 0.8), ("chirp", 0.03))]
    out.append((1e-4 * rng.standard_normal(6000)).astype(np.float32))
    return out


def run_torchscript(path, x: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        m = torch.jit.load(str(path))
    with torch.no_grad():
        return m(torch.from_numpy(x[None])).numpy()


@pytest.mark.parametrize("n_fft_hop", [(200, 80), (256, 100)])
def test_dft_front_end_equals_logmel(n_fft_hop):
    n_fft, hop = n_fft_hop
    cfg = FeatureConfig(sample_rate=8000, n_fft=n_fft, hop_length=hop, n_mels=32, f_min=50.0)
    ref, dft = LogMel(cfg), DftLogMel(LogMel(cfg))
    x = 0.3 * torch.randn(2, 5000, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        a, b = ref(x), dft(x)
    assert a.shape == b.shape
    assert (a - b).abs().max() < 1e-4  # normalised dB: 2e-3 dB


def test_torchscript_matches_classifier(clf, tiny_model, tmp_path):
    out, side = export_model(tiny_model, "torchscript", tmp_path / "m.pt")
    assert side == sidecar_path(out) == tmp_path / "m.pt.json"
    for x in clips():
        p = run_torchscript(out, x)
        r = clf.classify_array(x)
        assert p.shape == (1, 3) and r.timeline.shape == (1, 3)
        assert np.abs(p[0] - r.probs).max() < TOL
        assert np.abs(p[0] - r.timeline[0]).max() < TOL


def test_onnx_matches_classifier(clf, tiny_model, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    out, side = export_model(tiny_model, "onnx", tmp_path / "m.onnx")
    meta = json.loads(side.read_text())
    sess = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    assert [i.name for i in sess.get_inputs()] == [meta["inputs"][0]["name"]] == ["audio"]
    assert [o.name for o in sess.get_outputs()] == [meta["outputs"][0]["name"]] == ["probs"]
    for x in clips():
        if x.size < meta["min_samples"]:  # the ONNX graph needs one STFT frame: pad
            x = np.pad(x, (0, meta["min_samples"] - x.size))
        p = sess.run(None, {"audio": x[None]})[0]
        r = clf.classify_array(x)
        assert p.shape == (1, 3) and np.abs(p[0] - r.probs).max() < TOL


def test_sidecar_reproduces_the_timeline(clf, tiny_model, tmp_path):
    """Timeline point i of a long recording = the exported model on the i-th window."""
    out, side = export_model(tiny_model, "torchscript", tmp_path / "m.pt")
    meta = json.loads(side.read_text())
    assert meta["labels"] == clf.labels and meta["sample_rate"] == clf.fcfg.sample_rate
    assert meta["format"] == "audioclf-export" and meta["format_version"] == 1
    assert meta["window_s"] == 1.0 and meta["model_file"] == "m.pt"
    rng = np.random.default_rng(2)
    x = np.concatenate([make_clip(k, rng, dur_s=0.7) for k in ("tone", "noise", "chirp")])
    r = clf.classify_array(x)
    w, h = meta["window_samples"], meta["hop_samples"]
    for i in (0, 3, len(r.times) - 1):
        p = run_torchscript(out, x[i * h: i * h + w])
        assert np.abs(p[0] - r.timeline[i]).max() < TOL


@pytest.mark.parametrize("mcfg", [
    ModelConfig(conv_channels=(4,), hidden_size=8, num_layers=2, bidirectional=True,
                input_norm="band_mean"),
    ModelConfig(conv_channels=(4, 4), hidden_size=8, input_norm="none"),
    ModelConfig(conv_channels=(4, 4), hidden_size=8, input_norm="band_mean", norm_dct=3),
    ModelConfig(conv_channels=(4, 4), hidden_size=8, input_norm="band_mean", lifter=6),
])
def test_other_model_shapes_export(mcfg, tmp_path):
    """Bidirectional, stacked and other input norms take the same unpacked path; the
    band-mean DCT projection and the lifter go into the exported graph."""
    torch.manual_seed(0)
    f = FeatureConfig.for_sample_rate(8000, n_mels=16)
    b = ModelBundle(build_model(f, mcfg, ["a", "b"]).eval(), f, mcfg, ["a", "b"])
    save_model(tmp_path / "r.safetensors", b)
    clf = Classifier(load_model(tmp_path / "r.safetensors"), "cpu")
    out, _ = export_model(tmp_path / "r.safetensors", "torchscript")
    assert out == tmp_path / "r.pt"
    x = make_clip("chirp", np.random.default_rng(0), dur_s=0.9)
    assert np.abs(run_torchscript(out, x)[0] - clf.classify_array(x).probs).max() < TOL


def test_cli_export(tiny_model, tmp_path, capsys):
    from audioclf.cli import main

    assert main(["export", str(tiny_model), "--format", "torchscript",
                 "--out", str(tmp_path / "x.pt")]) == 0
    assert (tmp_path / "x.pt").is_file() and (tmp_path / "x.pt.json").is_file()
    assert main(["export", str(tmp_path / "missing.safetensors")]) == 1
    assert "not found" in capsys.readouterr().err
