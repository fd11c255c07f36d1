"""Model files: round trip, atomic writes, and refusal of anything that is not ours."""

from __future__ import annotations

import json
import pickle

import pytest
import torch
from safetensors.torch import save_file

from audioclf.checkpoint import FORMAT_VERSION, ModelBundle, build_model, load_model, save_model
from audioclf.config import FeatureConfig, ModelConfig
from audioclf.errors import ModelFileError

FC = FeatureConfig.for_sample_rate(8000, n_mels=32)
MC = ModelConfig(conv_channels=(4, 8), hidden_size=8)
LABELS = ["a", "b", "c"]


def bundle() -> ModelBundle:
    torch.manual_seed(0)
    return ModelBundle(build_model(FC, MC, LABELS), FC, MC, LABELS, {"val_accuracy": 0.5})


def test_round_trip(tmp_path):
    b = bundle()
    p = tmp_path / "m.safetensors"
    save_model(p, b)
    c = load_model(p)
    assert c.labels == LABELS and c.feature_config == FC and c.model_config == MC
    assert c.training["val_accuracy"] == 0.5
    x = torch.randn(2, 1, 32, 30)
    b.model.eval()
    with torch.no_grad():
        assert torch.equal(b.model.clip_logits(x), c.model.clip_logits(x))
    assert [f.name for f in tmp_path.iterdir()] == ["m.safetensors"]  # no temp files left


class Evil:
    def __reduce__(self):  # executed by pickle.load
        import os

        return (os.system, (f"touch {Evil.marker}",))


def test_malicious_pickle_is_refused_without_running(tmp_path):
    marker = tmp_path / "pwned"
    Evil.marker = str(marker)
    p = tmp_path / "evil.safetensors"
    p.write_bytes(pickle.dumps({"state_dict": Evil()}))
    with pytest.raises(ModelFileError, match="not an audioclf model file"):
        load_model(p)
    assert not marker.exists()
    # torch.save-style zip pickle too
    q = tmp_path / "evil2.safetensors"
    torch.save({"x": Evil()}, q)
    with pytest.raises(ModelFileError):
        load_model(q)
    assert not marker.exists()


def _meta(**over):
    meta = {"format": "audioclf-model", "format_version": str(FORMAT_VERSION),
            "feature_config": json.dumps(FC.__dict__), "model_config": json.dumps(
                {**MC.__dict__, "conv_channels": list(MC.conv_channels)}),
            "labels": json.dumps(LABELS), "training": "{}"}
    meta.update(over)
    return {k: v for k, v in meta.items() if v is not None}


@pytest.mark.parametrize("over,msg", [
    ({"format_version": str(FORMAT_VERSION + 1)}, "newer than this audioclf"),
    ({"format": "something-else"}, "wrong kind"),
    ({"labels": None}, "missing labels"),
    ({"labels": json.dumps(["only-one"])}, "labels"),
    ({"model_config": json.dumps({"conv_channels": [4, 8], "hidden_size": 9})}, "do not match"),
])
def test_bad_model_files_give_clear_errors(tmp_path, over, msg):
    p = tmp_path / "bad.safetensors"
    tensors = {k: v.contiguous() for k, v in bundle().model.state_dict().items()}
    save_file(tensors, str(p), metadata=_meta(**over))
    with pytest.raises(ModelFileError, match=msg) as ei:
        load_model(p)
    assert "\n" not in str(ei.value) and str(p) in str(ei.value)


def test_not_a_file_and_garbage(tmp_path):
    with pytest.raises(ModelFileError, match="not found"):
        load_model(tmp_path / "nope.safetensors")
    g = tmp_path / "g.safetensors"
    g.write_bytes(b"\x00" * 3)
    with pytest.raises(ModelFileError):
        load_model(g)


def test_format_version_is_the_oldest_that_describes_the_file(tmp_path):
    """A model that uses the lifter is written as format 2, one that uses norm_dct as 3, so
    an older reader (which would ignore the unknown field and compute something else)
    refuses it; others stay format 1."""
    from dataclasses import replace

    from audioclf.checkpoint import _read_header

    band = replace(MC, input_norm="band_mean")
    for mc, version in ((MC, "1"), (replace(MC, lifter=8), "2"),
                        (replace(band, norm_dct=3), "3"), (replace(band, norm_dct=3, lifter=8), "3")):
        b = ModelBundle(build_model(FC, mc, LABELS), FC, mc, LABELS)
        p = tmp_path / f"m{version}.safetensors"
        save_model(p, b)
        assert _read_header(p, p.read_bytes())["format_version"] == version
        c = load_model(p)
        assert c.model_config == mc
        x = torch.randn(2, 1, 32, 30)
        b.model.eval()
        with torch.no_grad():
            assert torch.equal(b.model.clip_logits(x), c.model.clip_logits(x))


def test_default_model_is_found_from_an_uninstalled_source_checkout(monkeypatch):
    """pyproject maps audioclf.resources onto resources/; without an install (PYTHONPATH=.)
    that package does not exist, and the checkout's resources/ folder is used instead."""
    import importlib.resources

    from audioclf.checkpoint import default_model_path

    installed = default_model_path()

    def no_package(name):
        raise ModuleNotFoundError(f"No module named {name!r}")

    monkeypatch.setattr(importlib.resources, "files", no_package)
    path = default_model_path()
    assert path.is_file() and path.name == "default.safetensors"
    assert path.read_bytes() == installed.read_bytes()


def test_loading_a_model_with_dct_projections_stays_light(tmp_path):
    """The shape check builds the model on the meta device; the DCT projections (norm_dct,
    lifter) are made on the CPU even there. A meta-device arange went through PyTorch's
    reference decompositions, whose first use cost 1.6 s and 150 MB of resident memory per
    process (measured on the default model)."""
    import subprocess
    import sys
    from dataclasses import replace

    mc = replace(MC, input_norm="band_mean", norm_dct=3, lifter=8)
    save_model(tmp_path / "m.safetensors", ModelBundle(build_model(FC, mc, LABELS), FC, mc, LABELS))
    code = ("import psutil, audioclf.inference\n"
            "from audioclf.checkpoint import load_model\n"
            "p = psutil.Process(); a = p.memory_info().rss\n"
            f"load_model({str(tmp_path / 'm.safetensors')!r})\n"
            "print((p.memory_info().rss - a) / 2**20)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True)
    assert float(out.stdout.strip()) < 50  # measured: 1-12 MB with the fix, 150 without
