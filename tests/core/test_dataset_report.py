"""The pre-training dataset check (Qt-free)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from synth import make_dataset

from audioclf.dataset_report import CheckCancelled, check_folder, describe
from audioclf.errors import DatasetError


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = make_dataset(tmp_path / "data", per_class=4)
    (root / "tone" / "broken.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunk" * 4)
    sf.write(root / "tone" / "stereo.wav", np.zeros((16000, 2), np.float32), 16000)
    return root


def test_report_counts_durations_rates_and_unreadable(folder: Path) -> None:
    seen: list[int] = []
    rep = check_folder(folder, progress=lambda n, total, p: seen.append(n))
    assert rep.labels == ["chirp", "noise", "tone"]
    assert [c.files for c in rep.classes] == [4, 4, 5]
    assert all(0.3 * 4 <= c.duration_s <= 0.8 * 4 for c in rep.classes[:2])
    assert rep.sample_rates == {8000: 12, 16000: 1}
    assert rep.channels == {1: 12, 2: 1}
    assert [Path(p).name for p, _ in rep.unreadable] == ["broken.wav"]
    assert seen == list(range(1, 15))
    text = " ".join(rep.warnings)
    assert "Few examples" in text and "unreadable" in text and "Mixed sample rates" in text
    assert rep.suggested_sample_rate() == 8000
    assert "3 classes, 13 files" in describe(rep)[0]


def test_imbalance_warning(tmp_path: Path) -> None:
    root = make_dataset(tmp_path / "d", per_class=12)
    for p in sorted((root / "tone").glob("*.wav"))[3:]:
        p.unlink()
    assert any("Imbalanced" in w for w in check_folder(root).warnings)


def test_one_class_and_empty_class_are_clear_errors(tmp_path: Path) -> None:
    root = make_dataset(tmp_path / "d", per_class=2)
    shutil.rmtree(root / "chirp")
    shutil.rmtree(root / "noise")
    with pytest.raises(DatasetError, match="found 1 class folder"):
        check_folder(root)
    (root / "empty").mkdir()
    with pytest.raises(DatasetError, match="no readable audio: empty"):
        check_folder(root)
    (root / "empty" / "bad.wav").write_bytes(b"not audio")
    with pytest.raises(DatasetError, match="no readable audio: empty"):
        check_folder(root)


def test_cancel(folder: Path) -> None:
    with pytest.raises(CheckCancelled):
        check_folder(folder, cancel=lambda: True)


def test_no_qt_import() -> None:
    code = "import sys, audioclf.dataset_report; print(any(m.startswith(('PySide6', 'pyqtgraph')) for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
