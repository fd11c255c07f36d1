"""The command line end to end on synthetic data; errors are one line, never a traceback."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import numpy as np
import pytest
from synth import make_dataset

from audioclf.cli import main


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_train_evaluate_predict(capsys, synth_data, tmp_path):
    model = tmp_path / "m.safetensors"
    code, out, err = run(capsys, "train", synth_data, "--out", model, "--epochs", 6,
                         "--batch-size", 16, "--lr", "5e-3", "--sample-rate", 8000,
                         "--n-mels", 32, "--conv-channels", 8, 16, "--hidden-size", 32,
                         "--device", "cpu", "--val-fraction", 0.2)
    assert code == 0, err
    assert model.exists() and "saved" in err and "epoch" in err
    test = make_dataset(tmp_path / "test", per_class=10, seed=77)
    code, out, err = run(capsys, "evaluate", "--model", model, test, "--json")
    assert code == 0, err
    rep = json.loads(out)
    assert rep["labels"] == ["chirp", "noise", "tone"] and rep["accuracy"] > 0.9
    assert np.array(rep["confusion"]).sum() == 30 and set(rep["per_class"]) == set(rep["labels"])
    code, out, _ = run(capsys, "evaluate", "--model", model, test)
    assert "accuracy:" in out and "confusion" in out and "precision" in out
    files = sorted(test.rglob("*.wav"))[:4]
    code, out, err = run(capsys, "predict", "--model", model, *files, "--json", "--timeline")
    assert code == 0, err
    rows = json.loads(out)
    assert [r["file"] for r in rows] == [str(f) for f in files]
    for r in rows:
        assert r["label"] in r["probs"] and abs(sum(r["probs"].values()) - 1) < 1e-4
        assert r["confidence"] == max(r["probs"].values())
        assert len(r["times"]) == len(r["timeline"]["tone"]) >= 1
    table = tmp_path / "out.csv"
    code, out, err = run(capsys, "predict", "--model", model, test / "tone", "--csv", table)
    assert code == 0
    with open(table) as fh:
        got = list(csv.DictReader(fh))
    assert len(got) == 10 and {r["label"] for r in got} == {"tone"}
    code, out, _ = run(capsys, "predict", "--model", model, files[0])
    assert str(files[0]) in out and "%" in out


def test_predict_bad_and_good_files_mix(capsys, tiny_model, tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_text("not audio")
    good = make_dataset(tmp_path / "d", per_class=1) / "tone" / "tone_0.wav"
    code, out, err = run(capsys, "predict", "--model", tiny_model, good, bad, "--json")
    assert code == 1
    rows = json.loads(out)
    assert "label" in rows[0] and "error" in rows[1]
    assert err.count("\n") == 1 and "bad.wav" in err and "Traceback" not in err


@pytest.mark.parametrize("argv,msg", [
    (["predict", "--model", "{m}", "{tmp}/missing.wav"], "file not found"),
    (["predict", "--model", "{tmp}/nomodel.safetensors", "{tmp}/x.wav"], "model file not found"),
    (["evaluate", "--model", "{m}", "{tmp}/nofolder"], "folder not found"),
    (["train", "{tmp}/nofolder", "--out", "{tmp}/o.safetensors"], "folder not found"),
    (["predict", "--model", "{m}", "--device", "cuda:7", "{tmp}/x.wav"], "not available"),
])
def test_errors_are_one_line(capsys, tiny_model, tmp_path, argv, msg):
    argv = [a.format(m=tiny_model, tmp=tmp_path) for a in argv]
    code, _, err = run(capsys, *argv)
    assert code != 0
    assert err.strip().count("\n") == 0 and msg in err and err.startswith("audioclf: error:")


def test_evaluate_refuses_unknown_classes(capsys, tiny_model, tmp_path):
    d = make_dataset(tmp_path / "d", per_class=2)
    (d / "tone").rename(d / "whistle")
    code, _, err = run(capsys, "evaluate", "--model", tiny_model, d)
    assert code == 1 and "not known to the model: whistle" in err


def test_entry_point_subprocess_no_traceback(tmp_path):
    p = subprocess.run([sys.executable, "-m", "audioclf", "predict", str(tmp_path / "x.wav")],
                       capture_output=True, text=True, timeout=120, check=False)
    assert p.returncode == 1
    assert "Traceback" not in p.stderr and p.stderr.startswith("audioclf: error:")
    v = subprocess.run([sys.executable, "-m", "audioclf", "--version"], capture_output=True,
                       text=True, timeout=60, check=False)
    assert v.returncode == 0 and v.stdout.startswith("audioclf ")


def test_model_shape_flags_reach_the_model_config():
    from audioclf.cli import build_parser, train_configs

    args = build_parser().parse_args(["train", "d", "--out", "m.safetensors", "--time-pool", "4",
                                      "--bidirectional", "--input-norm", "band_mean",
                                      "--norm-dct", "3"])
    _, _, mcfg = train_configs(args)
    assert (mcfg.time_pool, mcfg.bidirectional, mcfg.input_norm, mcfg.norm_dct) == (
        4, True, "band_mean", 3)


def test_norm_dct_without_band_mean_is_a_one_line_error(capsys):
    from audioclf.cli import main

    assert main(["train", "nowhere", "--out", "m.safetensors", "--norm-dct", "3"]) != 0
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--norm-dct needs --input-norm band_mean" in err


def test_optimiser_flags_reach_the_train_config():
    from audioclf.cli import build_parser, train_configs
    from audioclf.config import TrainConfig

    args = build_parser().parse_args(["train", "d", "--out", "m.safetensors"])
    assert train_configs(args)[0].weight_decay == TrainConfig().weight_decay
    args = build_parser().parse_args(["train", "d", "--out", "m.safetensors", "--lr", "0.01",
                                      "--weight-decay", "0.05"])
    tcfg = train_configs(args)[0]
    assert (tcfg.lr, tcfg.weight_decay) == (0.01, 0.05)


def test_predict_mixed_precision_on_cpu(capsys, tiny_model, tmp_path):
    """--precision mixed runs the model in bfloat16 on a CPU: close to float32, not equal."""
    import soundfile as sf
    from synth import make_clip

    rng = np.random.default_rng(4)
    x = np.concatenate([make_clip(k, rng, dur_s=0.8) for k in ("tone", "noise", "chirp") * 2])
    path = tmp_path / "long.wav"
    sf.write(path, x, 8000)
    res = {}
    for prec in ("full", "mixed"):
        code, out, _ = run(capsys, "predict", "--model", tiny_model, path, "--json",
                           "--timeline", "--precision", prec, "--device", "cpu")
        assert code == 0
        res[prec] = json.loads(out)[0]
    tl = {k: np.array(list(v["timeline"].values())) for k, v in res.items()}
    diff = np.abs(tl["full"] - tl["mixed"]).max()
    assert 0 < diff < 0.1
