"""Bounded memory for long files: a 2-hour file is classified in chunks, RSS stays flat."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from audioclf.checkpoint import ModelBundle, build_model, save_model
from audioclf.config import FeatureConfig, ModelConfig

SR = 8000


def write_noise(path: Path, seconds: float, block_s: float = 60.0) -> None:
    """Generated noise (bursts over a quiet floor), written block by block: never in RAM."""
    rng = np.random.default_rng(0)
    with sf.SoundFile(path, "w", SR, 1, subtype="PCM_16") as f:
        left = int(seconds * SR)
        while left > 0:
            n = min(left, int(block_s * SR))
            x = rng.standard_normal(n).astype(np.float32) * 0.01
            x[: n // 3] *= 20
            f.write(x)
            left -= n


CHILD = textwrap.dedent("""
    import json, sys, psutil, torch
    torch.set_num_threads(1)
    from audioclf.inference import Classifier
    model, short, long_ = sys.argv[1:4]
    clf = Classifier.from_file(model, "cpu", batch_size=256)
    proc = psutil.Process()
    r = clf.classify_file(short)
    base = proc.memory_info().rss
    r = clf.classify_file(long_)
    # VmHWM (peak since exec), not ru_maxrss: that one starts at the parent's RSS at fork
    peak = [int(l.split()[1]) * 1024 for l in open("/proc/self/status")
            if l.startswith("VmHWM:")][0]
    print(json.dumps({"base": base, "peak": peak, "after": proc.memory_info().rss,
                      "duration_s": r.duration_s, "points": len(r.times)}))
""")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM (Linux)")
def test_two_hour_file_in_bounded_memory(tmp_path: Path) -> None:
    pytest.importorskip("psutil")
    fcfg = FeatureConfig.for_sample_rate(SR, n_mels=16)
    mcfg = ModelConfig(conv_channels=(4,), hidden_size=8, window_s=1.0)
    model = tmp_path / "micro.safetensors"
    save_model(model, ModelBundle(build_model(fcfg, mcfg, ["a", "b"]).eval(), fcfg, mcfg,
                                  ["a", "b"]))
    short, long_ = tmp_path / "short.wav", tmp_path / "long.wav"
    write_noise(short, 60.0)
    hours = 2.0
    write_noise(long_, hours * 3600)
    out = subprocess.run([sys.executable, "-c", CHILD, str(model), str(short), str(long_)],
                         check=False, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    m = json.loads(out.stdout.strip().splitlines()[-1])
    assert m["duration_s"] == pytest.approx(hours * 3600)
    assert m["points"] == pytest.approx(hours * 36000, abs=10)
    # The file is 115 MB of 16-bit samples (460 MB as float32); the peak stays within 64 MB
    # of what a one-minute file needed: chunks, windows and batches, not the file.
    growth_mb = (m["peak"] - m["base"]) / 2**20
    assert growth_mb < 64, m
