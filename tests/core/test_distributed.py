"""Distributed training: 2 processes under torchrun, as a user would start them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from synth import make_clip

from audioclf.inference import Classifier


def _torchrun_train_cmd(logs: Path) -> list[str]:
    """``torchrun`` of 2 processes per node running ``audioclf train``, each rank's output
    under ``logs``."""
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
            "--redirects", "3", "--log-dir", str(logs), "-m", "audioclf", "train"]


def _torchrun_train(synth_data: Path, tmp_path: Path, device: str, gpus_visible: bool) -> None:
    """2 processes train under torchrun on ``device``; checks the run as a user sees it."""
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    model = out_dir / "m.safetensors"
    logs = tmp_path / "logs"
    env = dict(os.environ, OMP_NUM_THREADS="1", AUDIOCLF_LOG_DIR=str(tmp_path / "applog"),
               AUDIOCLF_CACHE_DIR=str(tmp_path / "cache"))
    if not gpus_visible:
        env["CUDA_VISIBLE_DEVICES"] = ""
    cmd = [*_torchrun_train_cmd(logs), str(synth_data), "--out", str(model), "--device", device,
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


@pytest.mark.slow
def test_torchrun_two_cpu_processes(synth_data: Path, tmp_path: Path) -> None:
    _torchrun_train(synth_data, tmp_path, "cpu", gpus_visible=False)


@pytest.mark.requires_cuda
def test_torchrun_cpu_training_on_a_machine_with_gpus(synth_data: Path, tmp_path: Path) -> None:
    """--device cpu where CUDA is available: Gloo, not NCCL (which cannot reduce CPU tensors)."""
    _torchrun_train(synth_data, tmp_path, "cpu", gpus_visible=True)


@pytest.mark.requires_cuda
def test_torchrun_more_processes_than_gpus_is_a_clear_error(synth_data: Path,
                                                            tmp_path: Path) -> None:
    import torch

    if torch.cuda.device_count() > 1:
        pytest.skip("needs a machine with exactly one GPU")
    logs = tmp_path / "logs"
    cmd = [*_torchrun_train_cmd(logs), str(synth_data), "--out", str(tmp_path / "m.safetensors"),
           "--device", "cuda", "--epochs", "1"]
    env = dict(os.environ, AUDIOCLF_LOG_DIR=str(tmp_path / "applog"))
    proc = subprocess.run(cmd, env=env, check=False, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    rank1 = next(p for p in logs.rglob("stderr.log") if p.parent.name == "1").read_text()
    assert "more processes on this machine than it has GPUs (1)" in rank1
    assert "Traceback" not in rank1
    assert not (tmp_path / "m.safetensors").exists()
