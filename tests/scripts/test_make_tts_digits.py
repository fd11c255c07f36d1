"""scripts/make_tts_digits.py: synthetic spoken digits for the default model's training data."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "make_tts_digits.py"


def _make(out: Path, per_digit: int = 5, env: dict[str, str] | None = None
          ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), "--out", str(out), "--per-digit",
                           str(per_digit), "--sample-rate", "8000"],
                          capture_output=True, text=True, env=env, check=False)


@pytest.fixture(scope="module")
def synthesisers() -> None:
    missing = [p for p in ("espeak-ng", "flite") if shutil.which(p) is None]
    if missing:
        pytest.fail(f"{' and '.join(missing)} not installed: run scripts/system-deps.sh "
                    "(make test does)")


def test_writes_a_labelled_folder_of_trimmed_8k_words(synthesisers: None, tmp_path: Path) -> None:
    from audioclf.dataset import scan_folder

    p = _make(tmp_path / "a")
    assert p.returncode == 0, p.stderr
    folder = scan_folder(tmp_path / "a")
    assert folder.labels == [str(d) for d in range(10)]
    files = sorted((tmp_path / "a").rglob("*.wav"))
    assert len(files) == 50 and len(folder.items) == 50
    assert sum("flite" in f.name for f in files) == 10  # one in five per digit
    for f in files:
        x, sr = sf.read(f, dtype="float32")
        assert sr == 8000 and x.ndim == 1
        assert 0.1 < x.size / sr < 1.5, f  # one word, not the synthesiser's padding
        peak_db = 20 * np.log10(np.abs(x).max())
        assert -13.0 < peak_db < -0.5, f
        frames = x[: x.size // 80 * 80].reshape(-1, 80)  # 10 ms
        rms = np.sqrt((frames ** 2).mean(1)) + 1e-9
        # trimmed: the word starts within 40 ms and ends within 40 ms of the file's ends
        loud = np.flatnonzero(rms > rms.max() * 10 ** (-40 / 20))
        assert loud[0] <= 4 and loud[-1] >= len(rms) - 5, f
    # deterministic: the same seed gives the same files
    assert _make(tmp_path / "b").returncode == 0
    for f in files:
        assert (tmp_path / "b" / f.relative_to(tmp_path / "a")).read_bytes() == f.read_bytes()


def test_missing_synthesiser_is_a_one_line_error(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": str(tmp_path)}  # neither program on the PATH
    p = _make(tmp_path / "out", env=env)
    assert p.returncode == 1
    assert p.stderr.strip().count("\n") == 0 and "espeak-ng" in p.stderr and "flite" in p.stderr
    assert not (tmp_path / "out").exists()
