"""Model > Train from folder...: check a labelled folder, train with live curves, cancel or
resume, inspect the results and use the new model at once.

All heavy work (checking files, training, evaluating, classifying a clip, saving) runs in
:class:`~audioclf.gui.train_worker.TrainHost`'s thread; the slots here only update widgets.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path

from PySide6.QtCore import QStandardPaths, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from audioclf.checkpoint import MODEL_SUFFIX
from audioclf.dataset_report import DatasetReport
from audioclf.errors import AudioclfError
from audioclf.gui.train_worker import TrainHost, TrainOutcome, TrainRequest, refuse_default
from audioclf.gui.widgets.train_curves import TrainCurves
from audioclf.gui.widgets.train_dataset import ERROR_STYLE, DatasetSummary
from audioclf.gui.widgets.train_params import TrainParams
from audioclf.gui.widgets.train_results import TrainResults
from audioclf.training import Progress


def default_out_path(folder: str) -> str:
    """<app data>/models/<folder name>.safetensors (never next to the user's data)."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    base = base or str(Path.home() / ".local" / "share" / "audioclf")
    return str(Path(base) / "models" / f"{Path(folder).name or 'model'}{MODEL_SUFFIX}")


def _clock(s: float | None) -> str:
    if s is None:
        return "…"
    n = round(s)
    return f"{n // 60}:{n % 60:02d}"


class TrainPanel(QDialog):
    modelChosen = Signal(str)  # "Use this model": the model file to load in the main window

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Train from folder")
        self.folder = QLineEdit()
        self.folder.setReadOnly(True)
        self.folder.setPlaceholderText("A folder with one subfolder of audio clips per class")
        self.choose = QPushButton("Choose folder…")
        self.choose.clicked.connect(self.choose_folder)
        self.dataset = DatasetSummary()
        self.params = TrainParams()
        self.train_button = QPushButton("Train")
        self.train_button.setToolTip("Train a new model on this folder")
        self.resume_button = QPushButton("Resume")
        self.resume_button.setToolTip("Continue training the model in the output file")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop; the best model so far stays in the output file")
        self.train_button.clicked.connect(lambda: self.train(resume=False))
        self.resume_button.clicked.connect(lambda: self.train(resume=True))
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.status = QLabel("Choose a folder to start.")
        self.status.setWordWrap(True)
        # fixed height: a status line that wraps differently must not re-layout (and redraw)
        # the curves under it ten times a second
        self.status.setFixedHeight(2 * self.status.fontMetrics().lineSpacing() + 14)
        self.curves = TrainCurves()
        self.results = TrainResults()
        self.results.message.connect(self.show_message)
        self.use_button = QPushButton("Use this model")
        self.use_button.setToolTip("Make the trained model the active model in the main window")
        self.use_button.clicked.connect(self.use_model)
        self.save_button = QPushButton("Save model as…")
        self.save_button.setToolTip("Write a copy of the trained model to another file")
        self.save_button.clicked.connect(self.save_as_dialog)

        top = QHBoxLayout()
        top.addWidget(QLabel("Folder:"))
        top.addWidget(self.folder, 1)
        top.addWidget(self.choose)
        buttons = QHBoxLayout()
        for b in (self.train_button, self.resume_button, self.cancel_button):
            buttons.addWidget(b)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.dataset, 1)
        ll.addWidget(self.params)
        ll.addLayout(buttons)
        training = QWidget()
        tl = QVBoxLayout(training)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.progress)
        tl.addWidget(self.status)
        tl.addWidget(self.curves, 1)
        results = QWidget()
        rl = QVBoxLayout(results)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.results, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.save_button)
        row.addWidget(self.use_button)
        rl.addLayout(row)
        self.tabs = QTabWidget()
        self.tabs.addTab(training, "Training")
        self.tabs.addTab(results, "Results")
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self.tabs)
        split.setSizes([360, 840])
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(split, 1)
        self.resize(1220, 780)
        self.results.warm_up()

        self.host = h = TrainHost(self)
        h.checkProgress.connect(self.dataset.set_progress)
        h.checkDone.connect(self._on_check_done)
        h.checkFailed.connect(self._on_check_failed)
        h.progress.connect(self._on_progress)
        h.trainDone.connect(self._on_train_done)
        h.trainFailed.connect(self._on_train_failed)
        h.clipReady.connect(self.results.show_clip)
        h.clipFailed.connect(self.show_message)
        h.saved.connect(lambda p: self.show_message(f"Saved {p}", error=False))
        h.saveFailed.connect(self.show_message)
        self.results.clipSelected.connect(h.inspect)
        self.params.changed.connect(self._update_buttons)
        self.report: DatasetReport | None = None
        self.outcome: TrainOutcome | None = None
        self.state = "idle"  # idle | checking | training
        self._closed = False
        self._shown = False
        self._update_buttons()

    # ------------------------------------------------------------------ folder and check
    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Train from folder", self.folder.text())
        if folder:
            self.set_folder(folder)

    def set_folder(self, folder: str) -> None:
        """Show ``folder`` and check it in the worker (the result enables Train)."""
        self.folder.setText(os.fspath(folder))
        if not self.params.out_path():
            self.params.set_values(out=default_out_path(folder))
        self.report = None
        self.state = "checking"
        self.dataset.start(folder)
        self.status.setText("Checking the folder…")
        self._update_buttons()
        self.host.check(os.fspath(folder))

    @Slot(object)
    def _on_check_done(self, rep: DatasetReport) -> None:
        self.state, self.report = "idle", rep
        self.dataset.show_report(rep)
        self.params.sample_rate = rep.suggested_sample_rate()
        self.status.setText(f"Ready to train on {len(rep.labels)} classes "
                            f"({self.params.sample_rate} Hz model).")
        self.status.setStyleSheet("")
        self._update_buttons()

    @Slot(str)
    def _on_check_failed(self, message: str) -> None:
        self.state, self.report = "idle", None
        self.dataset.show_error(message)
        self.show_message(message)
        self._update_buttons()

    # ------------------------------------------------------------------ training
    def train(self, resume: bool = False) -> None:
        if self.report is None or self.state != "idle":
            return
        out = self.params.out_path()
        try:
            if not out:
                raise AudioclfError("choose an output file for the model")
            refuse_default(out)
            if resume and not Path(out).is_file():
                raise AudioclfError(f"{out}: nothing to resume from (model file not found)")
            Path(out).parent.mkdir(parents=True, exist_ok=True)
        except (AudioclfError, OSError) as exc:
            self.show_message(str(exc))
            return
        tcfg, fcfg, mcfg = self.params.configs()
        if not resume:
            self.curves.clear()
        self.curves.start(tcfg.epochs, len(self.report.labels))
        self.results.clear()
        self.outcome = None
        self.state = "training"
        self.progress.setValue(0)
        self.status.setStyleSheet("")
        self.status.setText("Resuming…" if resume else "Starting…")
        self.tabs.setCurrentIndex(0)
        self._update_buttons()
        gc.freeze()  # long-lived objects out of full GC passes (they stalled the event loop)
        self.host.train(TrainRequest(self.report.root, out, tcfg, fcfg, mcfg, resume))

    def cancel(self) -> None:
        if self.state in ("checking", "training"):
            self.host.cancel()
            self.status.setText("Cancelling… (the best model so far is kept)")

    @Slot(object)
    def _on_progress(self, p: Progress) -> None:
        if p.phase == "features":
            self.progress.setValue(int(1000 * p.done / max(p.total, 1)))
            self.status.setText(f"Computing features: {p.done}/{p.total} files")
        elif p.phase == "train":
            frac = ((p.epoch - 1) + p.done / max(p.total, 1)) / max(p.epochs, 1)
            self.progress.setValue(int(1000 * frac))
            best = "" if p.best_val_acc is None else f", best val {p.best_val_acc:.1%}"
            self.status.setText(f"Epoch {p.epoch}/{p.epochs}, step {p.done}/{p.total}: loss "
                                f"{p.loss:.3f}, train acc {p.train_acc:.1%}{best} — "
                                f"elapsed {_clock(p.elapsed_s)}, ETA {_clock(p.eta_s)}")
        elif p.phase == "validate":
            self.progress.setValue(int(1000 * p.epoch / max(p.epochs, 1)))
            self.curves.add_epoch(p.loss, p.train_acc, p.val_acc, p.improved)
        elif p.phase == "scan":
            self.status.setText("Scanning the folder…")

    @Slot(object)
    def _on_train_done(self, out: TrainOutcome) -> None:
        self.state, self.outcome = "idle", out
        self.progress.setValue(1000 if not out.cancelled else self.progress.value())
        acc = "n/a" if out.best_val_acc is None else f"{out.best_val_acc:.1%}"
        self.status.setText(("Cancelled" if out.cancelled else "Finished")
                            + (f": best validation accuracy {acc}, model in {out.model_path}"
                               if out.model_path else ": no model saved"))
        self.results.show_outcome(out)
        self._update_buttons()
        if out.model_path:  # next event loop turn: one repaint, not slot + repaint at once
            QTimer.singleShot(0, lambda: self.tabs.setCurrentIndex(1))

    @Slot(str)
    def _on_train_failed(self, message: str) -> None:
        self.state = "idle"
        self.show_message(message)
        self._update_buttons()

    # ------------------------------------------------------------------ results
    def use_model(self) -> None:
        if self.outcome is not None and self.outcome.model_path:
            self.modelChosen.emit(self.outcome.model_path)
            self.show_message(f"Now using {Path(self.outcome.model_path).name} in the main "
                              "window", error=False)

    def save_as_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save model as", "",
                                              f"audioclf models (*{MODEL_SUFFIX})")
        if path:
            self.save_as(path if path.endswith(MODEL_SUFFIX) else path + MODEL_SUFFIX)

    def save_as(self, path: str) -> None:
        try:
            refuse_default(path)
        except AudioclfError as exc:
            self.show_message(str(exc))
            return
        self.host.save_as(path)

    def show_message(self, text: str, error: bool = True) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(ERROR_STYLE if error else "")

    def _update_buttons(self) -> None:
        idle = self.state == "idle"
        has_model = self.outcome is not None and bool(self.outcome.model_path)
        self.train_button.setEnabled(idle and self.report is not None)
        self.resume_button.setEnabled(idle and self.report is not None
                                      and Path(self.params.out_path() or "/nonexistent").is_file())
        self.cancel_button.setEnabled(not idle)
        self.choose.setEnabled(idle)
        self.params.setEnabled(idle)
        self.use_button.setEnabled(idle and has_model)
        self.save_button.setEnabled(idle and has_model)

    def showEvent(self, e: QShowEvent) -> None:
        super().showEvent(e)
        if not self._shown:  # show the Results page once now (pending resize events,
            self._shown = True  # pyqtgraph layouts), not first right after training
            self.tabs.setCurrentIndex(1)
            self.tabs.setCurrentIndex(0)

    # ------------------------------------------------------------------ shutdown
    def closeEvent(self, e: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(e)

    def shutdown(self) -> None:
        """Cancel any work and stop the worker thread (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self.results.player.stop()
        self.host.shutdown()
