"""Issue 8 in the GUI: Model > Export model..., File > Export detections..., Help > Show log."""

from __future__ import annotations

import csv
import json

import numpy as np
import soundfile as sf
from qtwin import make_window
from synth import SR, make_clip

from audioclf.gui.main_window import MainWindow

WAIT_MS = 30_000


def menu_texts(w: MainWindow, title: str) -> list[str]:
    for a in w.menuBar().actions():
        if a.text().replace("&", "") == title:
            return [b.text().replace("&", "") for b in a.menu().actions()]
    raise AssertionError(title)


def test_actions_are_in_their_menus(qtbot, tiny_model, tmp_path) -> None:  # type: ignore[no-untyped-def]
    w = make_window(qtbot, tiny_model, tmp_path)
    assert "Export detections..." in menu_texts(w, "File")
    assert "Export model..." in menu_texts(w, "Model")
    assert "Show log" in menu_texts(w, "Help")


def test_export_model_in_background(qtbot, tiny_model, tmp_path) -> None:  # type: ignore[no-untyped-def]
    w = make_window(qtbot, tiny_model, tmp_path)
    out = tmp_path / "m.pt"
    w.ecosystem.export_model_to(str(out), "torchscript")
    qtbot.waitUntil(lambda: not w.ecosystem.busy, timeout=WAIT_MS)
    assert out.is_file() and "Exported the model" in w.activity.text()
    assert json.loads((tmp_path / "m.pt.json").read_text())["labels"] == w.model.labels


def test_export_detections_all_formats(qtbot, tiny_model, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(1)
    files = []
    for name, kind in (("a.wav", "tone"), ("b.wav", "noise")):
        x = np.concatenate([make_clip(kind, rng, dur_s=1.2), np.zeros(2000, np.float32)])
        sf.write(tmp_path / name, x, SR)
        files.append(str(tmp_path / name))
    w = make_window(qtbot, tiny_model, tmp_path)
    w.add_files(files)
    qtbot.waitUntil(lambda: not w._jobs and len(w.table.source.rows) == 2, timeout=WAIT_MS)
    written = w.ecosystem.export_detections_to(str(tmp_path / "det.csv"), "csv")
    rows = list(csv.DictReader(written[0].open()))
    assert set(rows[0]) == {"file", "start_s", "end_s", "label", "confidence"}
    assert {r["file"] for r in rows} <= set(files) and rows
    out = tmp_path / "labels"
    written = w.ecosystem.export_detections_to(str(out / "x.txt"), "audacity")
    assert sorted(p.name for p in written) == ["a.txt", "b.txt"]
    written = w.ecosystem.export_detections_to(str(out / "x.txt"), "raven")
    assert (out / "a.selections.txt").read_text().startswith("Selection\tView\tChannel\t")


def test_show_log(qtbot, tiny_model, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    w = make_window(qtbot, tiny_model, tmp_path)
    path = w.ecosystem.open_log()
    assert path is not None and path.name == "audioclf.log" and path.exists()
    assert str(path) in w.notice.text() + w.activity.text()
