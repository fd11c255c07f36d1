"""Distributed training: 2 CPU processes with Gloo under torchrun, as a user would start it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from synth import make_clip

from audioclf.inference import Classifier


@pytest.mark.slow
def test_torchrun_two_cpu_processes(synth_data: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    model = out_dir / "m.safetensors"
    logs = tmp_path / "logs"
    env = dict(os.environ, OMP_NUM_THREADS="1", AUDIOCLF_LOG_DIR=str(tmp_path / "applog"),
               AUDIOCLF_CACHE_DIR=str(tmp_path / "cache"), CUDA_VISIBLE_DEVICES="")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           "--redirects", "3", "--log-dir", str(logs),
           "-m", "audioclf", "train", str(synth_data), "--out", str(model), "--device", "cpu",
           "--epochs", "4", "--batch-size", "8", "--lr", "5e-3", "--val-fraction", "0.2",
           "--sample-rate", "8000", "--n-mels", "32", "--conv-channels", "8", "16",
           "--hidden-size", "32"]
    proc = subprocess.run(cmd, env=env, check=False, capture_output=True, text=True, timeout=600)
    rank_logs = {p.parent.name: p.read_text() for p in logs.rglob("stderr.log")}
    assert proc.returncode == 0, proc.stderr[-3000:] + "\n".join(rank_logs.values())[-3000:]
    # exactly one model file, no temporary files left next to it
    assert sorted(p.name for p in out_dir.iterdir()) == ["m.safetensors"]
    # only rank 0 printed progress
    assert set(rank_logs) == {"0", "1"}, rank_logs.keys()
    assert "epoch   1/4" in rank_logs["0"] and "saved " in rank_logs["0"]
    assert "epoch" not in rank_logs["1"] and "saved" not in rank_logs["1"]
    # the model is usable and learned the (easy) classes
    clf = Classifier.from_file(model, "cpu")
    assert clf.labels == ["chirp", "noise", "tone"]
    rng = np.random.default_rng(5)
    hits = [clf.classify_array(make_clip(k, rng)).label == k
            for k in ("chirp", "noise", "tone") for _ in range(3)]
    assert np.mean(hits) >= 2 / 3
    assert clf.bundle.training["epoch"] >= 1
