"""Training in a worker thread: a thin adapter around the core's generators.

:class:`TrainWorker` lives in its own QThread and does all heavy work there: the dataset
check, iterating :meth:`audioclf.training.Trainer.run`, the validation report, classifying a
clip the user selects, and saving the model. :class:`TrainHost` lives in the UI thread; its
signals mirror the worker's (signal-to-signal connections are queued into the UI thread), so
widgets only ever see plain dataclasses and numpy arrays from the UI thread.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from audioclf.config import FeatureConfig, ModelConfig, TrainConfig
from audioclf.errors import AudioclfError
from audioclf.gui.workers import STOP_WAIT_MS, WORKER_NICE, reserve_ui_core

log = logging.getLogger(__name__)
PROGRESS_INTERVAL_S = 0.1  # training steps are reported to the UI at most this often


@dataclass(frozen=True)
class TrainRequest:
    folder: str
    out_path: str
    tcfg: TrainConfig
    fcfg: FeatureConfig
    mcfg: ModelConfig
    resume: bool = False  # continue from out_path (its configs and weights)


@dataclass
class ValClip:
    """One validation clip: true and predicted class indices, clip probabilities (K,)."""

    path: str
    true: int
    pred: int
    probs: np.ndarray


@dataclass
class TrainOutcome:
    """What the UI shows after a run (no torch objects)."""

    model_path: str | None  # None when no epoch finished (nothing saved)
    labels: list[str]
    cancelled: bool
    best_val_acc: float | None
    best_epoch: int
    epochs_run: int
    elapsed_s: float
    feature_config: FeatureConfig
    report: dict[str, Any] | None = None  # audioclf.metrics.report on the validation split
    clips: list[ValClip] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


class TrainWorker(QObject):
    checkProgress = Signal(int, int)  # done, total files
    checkDone = Signal(object)  # DatasetReport
    checkFailed = Signal(str)
    progress = Signal(object)  # audioclf.training.Progress
    trainDone = Signal(object)  # TrainOutcome
    trainFailed = Signal(str)
    clipReady = Signal(object, object)  # FileResult, FeatureConfig
    clipFailed = Signal(str)
    saved = Signal(str)
    saveFailed = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.cancel_requested = False  # set from the UI thread; read between steps
        self._clf: Any = None  # Classifier of the last trained model, this thread only
        self._last_emit = 0.0

    @Slot()
    def lower_priority(self) -> None:
        """In the worker thread: nice it (Linux, per thread; the decoding threads it starts
        inherit it) so the UI thread wins the CPU. Best effort."""
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICE)
        except (AttributeError, OSError):
            pass

    def _cancelled(self) -> bool:
        return self.cancel_requested

    def _check_progress(self, done: int, total: int, _path: str) -> None:
        now = time.monotonic()
        if done == total or now - self._last_emit >= PROGRESS_INTERVAL_S:
            self._last_emit = now
            self.checkProgress.emit(done, total)

    @Slot(str)
    def check(self, folder: str) -> None:
        from audioclf.dataset_report import check_folder

        try:
            self.checkDone.emit(check_folder(folder, self._check_progress, self._cancelled))
        except AudioclfError as exc:
            self.checkFailed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - a message for the user, traceback logged
            log.error("checking %s failed:\n%s", folder, traceback.format_exc())
            self.checkFailed.emit(f"{folder}: could not check the folder ({exc})")

    @Slot(object)
    def train(self, req: TrainRequest) -> None:
        from audioclf.training import Trainer

        self._clf = None
        try:
            trainer = Trainer(req.folder, req.out_path, req.tcfg, req.fcfg, req.mcfg,
                              resume=req.out_path if req.resume else None, cancel=self._cancelled)
            phase = ""
            for p in trainer.run():
                now = time.monotonic()
                if (p.phase != phase or p.phase in ("validate", "done")
                        or now - self._last_emit >= PROGRESS_INTERVAL_S):
                    phase, self._last_emit = p.phase, now
                    self.progress.emit(p)
            self.trainDone.emit(self._outcome(trainer))
        except AudioclfError as exc:
            self.trainFailed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001
            log.error("training failed:\n%s", traceback.format_exc())
            self.trainFailed.emit(f"training failed ({type(exc).__name__}: {exc})")

    def _outcome(self, trainer: Any) -> TrainOutcome:
        """Validation report of the best model (as saved), on the trainer's own split."""
        from audioclf.dataset import stratified_split
        from audioclf.inference import Classifier
        from audioclf.metrics import report

        res = trainer.result
        saved = Path(res.model_path).exists() and trainer.bundle is not None
        out = TrainOutcome(res.model_path if saved else None, list(res.labels), res.cancelled,
                           res.best_val_acc, res.best_epoch, res.epochs_run, res.elapsed_s,
                           trainer.fcfg, skipped=list(res.skipped))
        if not saved:
            return out
        self._clf = clf = Classifier(trainer.bundle, next(trainer.bundle.model.parameters()).device)
        _, val_idx = stratified_split(trainer.items, trainer.tcfg.val_fraction, trainer.tcfg.seed)
        if val_idx:
            probs = clf.probs_of_clips([trainer.feats[i] for i in val_idx])
            y_true = [trainer.items[i][1] for i in val_idx]
            y_pred = [int(np.argmax(p)) for p in probs]
            out.report = report(y_true, y_pred, clf.labels)
            out.clips = [ValClip(trainer.items[i][0], t, p, pr)
                         for i, t, p, pr in zip(val_idx, y_true, y_pred, probs)]
        return out

    @Slot(str)
    def inspect(self, path: str) -> None:
        """Classify one clip with the trained model (spectrogram and timeline included)."""
        from audioclf.inference import FileFailure

        if self._clf is None:
            self.clipFailed.emit("no trained model")
            return
        try:
            res = next(iter(self._clf.classify_files([path], keep_spectrogram=True)))
        except AudioclfError as exc:
            self.clipFailed.emit(str(exc))
            return
        except Exception as exc:  # noqa: BLE001
            log.error("classifying %s failed:\n%s", path, traceback.format_exc())
            self.clipFailed.emit(f"{path}: could not classify ({exc})")
            return
        if isinstance(res, FileFailure):
            self.clipFailed.emit(res.error)
        else:
            self.clipReady.emit(res, self._clf.fcfg)

    @Slot(str)
    def save_as(self, path: str) -> None:
        from audioclf.checkpoint import save_model

        if self._clf is None:
            self.saveFailed.emit("no trained model to save")
            return
        try:
            refuse_default(path)
            save_model(path, self._clf.bundle)
        except AudioclfError as exc:
            self.saveFailed.emit(str(exc))
        except OSError as exc:
            self.saveFailed.emit(f"{path}: could not write ({exc.strerror or exc})")
        else:
            self.saved.emit(path)


def warm_imports() -> None:
    """Import what training imports lazily: creating the first torch optimizer pulls in
    torch._dynamo, sympy and ~900 other modules (seconds of GIL-holding work). Done in a
    background thread when the panel opens, not in the middle of the first epoch, where it
    stalled the UI event loop by 100-350 ms (bench/train_ui_stall.py)."""
    import torch

    import audioclf.training  # noqa: F401 - the trainer and everything it imports

    torch.optim.AdamW([torch.zeros(1, requires_grad=True)])


def refuse_default(path: str) -> None:
    """Raise AudioclfError when ``path`` is the shipped default model."""
    from audioclf.checkpoint import default_model_path

    try:
        same = Path(path).resolve() == default_model_path().resolve()
    except OSError:
        same = False
    if same:
        raise AudioclfError(f"{path}: refusing to overwrite the shipped default model")


class TrainHost(QObject):
    """Owns the training thread; all calls from the UI thread, all signals arrive there."""

    checkProgress = Signal(int, int)
    checkDone = Signal(object)
    checkFailed = Signal(str)
    progress = Signal(object)
    trainDone = Signal(object)
    trainFailed = Signal(str)
    clipReady = Signal(object, object)
    clipFailed = Signal(str)
    saved = Signal(str)
    saveFailed = Signal(str)
    _check = Signal(str)
    _train = Signal(object)
    _inspect = Signal(str)
    _save = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thread = QThread()
        self.thread.setObjectName("audioclf-training")
        self.worker = w = TrainWorker()
        w.moveToThread(self.thread)
        self.thread.finished.connect(w.deleteLater)
        self.thread.started.connect(w.lower_priority)
        self._check.connect(w.check)
        self._train.connect(w.train)
        self._inspect.connect(w.inspect)
        self._save.connect(w.save_as)
        for name in ("checkProgress", "checkDone", "checkFailed", "progress", "trainDone",
                     "trainFailed", "clipReady", "clipFailed", "saved", "saveFailed"):
            getattr(w, name).connect(getattr(self, name))  # queued into this (UI) thread
        reserve_ui_core()
        self.thread.start()
        self.warmed = threading.Event()  # set when warm_imports is done
        self._warm = threading.Thread(target=self._warm_up, name="audioclf-train-warmup")
        self._warm.start()

    def _warm_up(self) -> None:
        try:
            warm_imports()
        except Exception:  # noqa: BLE001 - only an optimisation; training imports anyway
            log.warning("training warm-up failed:\n%s", traceback.format_exc())
        finally:
            self.warmed.set()

    def check(self, folder: str) -> None:
        self.worker.cancel_requested = False
        self._check.emit(folder)

    def train(self, req: TrainRequest) -> None:
        self.worker.cancel_requested = False
        self._train.emit(req)

    def cancel(self) -> None:
        """The running check or training stops at its next step (the best model is kept)."""
        self.worker.cancel_requested = True

    def inspect(self, path: str) -> None:
        self._inspect.emit(path)

    def save_as(self, path: str) -> None:
        self._save.emit(path)

    def shutdown(self) -> bool:
        self._warm.join(STOP_WAIT_MS / 1000)
        if not self.thread.isRunning():
            return True
        self.cancel()
        self.thread.quit()  # thread-safe; called directly (shared notes' trap)
        ok = self.thread.wait(STOP_WAIT_MS)
        if not ok:
            log.error("the training thread did not stop within %d ms", STOP_WAIT_MS)
        return bool(ok)
