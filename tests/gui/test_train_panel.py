"""Model > Train from folder... offscreen: check, train, cancel, resume, results, use, save."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt

from audioclf.checkpoint import default_model_path, load_model
from audioclf.gui.train_panel import TrainPanel
from audioclf.training import Progress

WAIT_MS = 90_000
FAST = {"batch": 16, "lr": 5e-3, "val": 0.2, "size": "small", "device": "cpu", "augment": True}


@pytest.fixture
def panel(qtbot) -> TrainPanel:  # type: ignore[no-untyped-def]
    p = TrainPanel()
    qtbot.addWidget(p)
    p.show()
    return p


def check(qtbot, p: TrainPanel, folder: Path) -> None:  # type: ignore[no-untyped-def]
    p.set_folder(str(folder))
    qtbot.waitUntil(lambda: p.state == "idle", timeout=WAIT_MS)


def train(qtbot, p: TrainPanel, button=None) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(button or p.train_button, Qt.MouseButton.LeftButton)
    assert p.state == "training"
    qtbot.waitUntil(lambda: p.state == "idle", timeout=WAIT_MS)


def test_train_to_high_accuracy_then_inspect_and_save(qtbot, panel, synth_data, tmp_path):  # type: ignore[no-untyped-def]
    check(qtbot, panel, synth_data)
    assert panel.dataset.table.rowCount() == 3
    assert panel.dataset.table.item(0, 1).text() == "20"
    assert "8000 Hz" in panel.dataset.info.text()
    assert panel.train_button.isEnabled() and not panel.resume_button.isEnabled()
    out = tmp_path / "new.safetensors"
    panel.params.set_values(epochs=8, out=str(out), **FAST)
    train(qtbot, panel)
    o = panel.outcome
    assert o is not None and not o.cancelled and o.model_path == str(out)
    assert o.best_val_acc is not None and o.best_val_acc > 0.9
    assert panel.progress.value() == 1000
    assert len(panel.curves.epochs) == o.epochs_run >= 1
    assert panel.results.metrics.rowCount() == 3
    assert o.report is not None and o.report["n"] == len(o.clips) == 12
    assert panel.use_button.isEnabled() and panel.resume_button.isEnabled()
    qtbot.waitUntil(lambda: panel.tabs.currentIndex() == 1)

    # a click on a confusion-matrix cell lists its clips; selecting one shows and plays it
    cv = panel.results.confusion
    qtbot.waitUntil(lambda: cv.graphics.isVisible())
    pos = cv.graphics.mapFromScene(cv.cell_center(2, 2))
    qtbot.mouseClick(cv.graphics.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(pos.x(), pos.y()))
    clips = panel.results.clips
    assert clips.count() == len(panel.results.cell_clips(2, 2)) > 0
    clips.setCurrentRow(0)
    want = clips.item(0).data(Qt.ItemDataRole.UserRole)
    assert "/tone/" in want
    qtbot.waitUntil(lambda: panel.results.views.path == want, timeout=WAIT_MS)
    assert panel.results.views.spec.db is not None
    assert panel.results.play.isEnabled()

    copy = tmp_path / "copy.safetensors"
    panel.save_as(str(copy))
    qtbot.waitUntil(copy.exists, timeout=WAIT_MS)
    assert load_model(copy).labels == ["chirp", "noise", "tone"]
    panel.save_as(str(default_model_path()))
    assert "refusing to overwrite the shipped default" in panel.status.text()


def test_cancel_keeps_best_model_and_resume_continues(qtbot, panel, synth_data, tmp_path):  # type: ignore[no-untyped-def]
    check(qtbot, panel, synth_data)
    out = tmp_path / "m.safetensors"
    panel.params.set_values(epochs=60, out=str(out), **FAST)
    epochs_seen: list[int] = []

    def on_progress(p: Progress) -> None:
        if p.phase == "validate":
            epochs_seen.append(p.epoch)
            if p.epoch == 2:
                panel.cancel()

    panel.host.progress.connect(on_progress)
    train(qtbot, panel)
    o = panel.outcome
    assert o is not None and o.cancelled and o.model_path == str(out)
    assert o.epochs_run < 5 and max(epochs_seen) < 5
    first = load_model(out)  # usable: loads and classifies
    assert first.labels == ["chirp", "noise", "tone"]
    from audioclf.inference import Classifier

    res = list(Classifier(first, "cpu").classify_files(sorted((synth_data / "tone").glob("*.wav"))[:3]))
    assert all(r.label in first.labels for r in res)
    done_before = int(first.training["epoch"])

    panel.host.progress.disconnect(on_progress)
    panel.params.set_values(epochs=2)
    assert panel.resume_button.isEnabled()
    n_curve = len(panel.curves.epochs)
    train(qtbot, panel, panel.resume_button)
    o2 = panel.outcome
    assert o2 is not None and not o2.cancelled and o2.epochs_run == 2
    assert len(panel.curves.epochs) == n_curve + 2  # the curves continue
    after = load_model(out)
    assert after.training["val_accuracy"] >= first.training["val_accuracy"]
    # resumed from the saved model: its epoch count continues (when an epoch improved)
    assert int(after.training["epoch"]) >= done_before


def test_one_class_or_empty_class_gives_clear_message(qtbot, panel, synth_data, tmp_path):  # type: ignore[no-untyped-def]
    one = tmp_path / "one"
    shutil.copytree(synth_data / "tone", one / "tone")
    check(qtbot, panel, one)
    assert panel.dataset.error.isVisible()
    assert "found 1 class folder(s); need at least 2" in panel.dataset.error.text()
    assert not panel.train_button.isEnabled()
    (one / "silence").mkdir()
    check(qtbot, panel, one)
    assert "class folder(s) with no readable audio: silence" in panel.dataset.error.text()
    assert not panel.train_button.isEnabled()
    shutil.copytree(synth_data / "noise", one / "silence", dirs_exist_ok=True)
    (one / "tone" / "bad.wav").write_bytes(b"RIFF junk")
    check(qtbot, panel, one)
    assert not panel.dataset.error.isVisible() and panel.train_button.isEnabled()
    assert panel.dataset.unreadable.count() == 1


def test_close_during_training_stops_the_thread(qtbot, panel, synth_data, tmp_path):  # type: ignore[no-untyped-def]
    check(qtbot, panel, synth_data)
    panel.params.set_values(epochs=200, out=str(tmp_path / "x.safetensors"), **FAST)
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(panel.curves.epochs) >= 1, timeout=WAIT_MS)
    panel.close()
    assert not panel.host.thread.isRunning()


def test_menu_action_and_use_this_model_changes_main_window_classes(qtbot, synth_data, tiny_model, tmp_path):  # type: ignore[no-untyped-def]
    from qtwin import make_window

    w = make_window(qtbot, tiny_model, tmp_path, WAIT_MS)
    classes = lambda: [a.text() for a in w.actions_.classes_menu.actions()]
    assert classes() == ["chirp", "noise", "tone"]
    assert w.actions_.train.isEnabled()

    data = tmp_path / "beeps"  # other class names than the loaded model's
    shutil.copytree(synth_data / "tone", data / "beep")
    shutil.copytree(synth_data / "noise", data / "hiss")
    p = w.open_train_panel(str(data))
    assert isinstance(p, TrainPanel) and p.isVisible()
    qtbot.waitUntil(lambda: p.state == "idle" and p.report is not None, timeout=WAIT_MS)
    p.params.set_values(epochs=2, out=str(tmp_path / "beeps.safetensors"), **FAST)
    train(qtbot, p)
    assert p.use_button.isEnabled()
    qtbot.mouseClick(p.use_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: classes() == ["beep", "hiss"], timeout=WAIT_MS)
    assert w.model is not None and w.model.path == str(tmp_path / "beeps.safetensors")
    assert "beeps" in w.model_label.text()
    w.close()  # closes the panel's thread too
    assert not p.host.thread.isRunning()
