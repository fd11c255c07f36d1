"""The inference worker: a QObject living in a QThread that owns the Classifier.

Threading is a thin adapter around the core's generators (DESIGN habits 4 and 5): the worker
runs ``Classifier.classify_files`` and sends results back as signals carrying dataclasses and
numpy arrays; every failure becomes a signal with a one-line message. Cancellation is
cooperative: the main thread raises a job-id watermark that the worker checks between steps.

PySide6 trap (see shared notes, and seen here with 6.12: a @Slot overridden in a subclass,
or a method wrapped after class creation, ran in the worker thread): the UI never connects
to the worker's signals. :class:`WorkerHost` lives in the UI thread and re-emits them through
signal-to-signal connections, which Qt queues by the host's thread affinity in C++, so
whatever the UI connects to the host's signals runs in the UI thread.
"""

from __future__ import annotations

import logging
import os
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from audioclf.config import FeatureConfig
from audioclf.errors import AudioclfError

log = logging.getLogger(__name__)
EMIT_INTERVAL_S = 0.1  # batch results into one signal at most this often
STOP_WAIT_MS = 30_000  # how long closing waits for the current step to end
WORKER_NICE = 5  # the worker thread's nice value (Linux), below the UI thread's


@dataclass(frozen=True)
class ModelInfo:
    """What the UI may know about the loaded model (no torch objects)."""

    name: str
    path: str
    labels: list[str]
    device: str
    feature_config: FeatureConfig
    window_s: float
    training: dict[str, Any] = field(default_factory=dict)


@dataclass
class Item:
    """One classified (or failed) file for table row ``row``."""

    row: int
    result: Any  # FileResult | FileFailure
    feature_config: FeatureConfig | None


class InferenceWorker(QObject):
    modelLoaded = Signal(object)  # ModelInfo
    modelFailed = Signal(str)  # one-line message
    itemsReady = Signal(int, object)  # job id, list[Item]
    jobDone = Signal(int, bool)  # job id, cancelled
    saliencyReady = Signal(str, object)  # path, (F, T) float32 0..1
    saliencyFailed = Signal(str, str)  # path, message

    def __init__(self) -> None:
        super().__init__()
        self._clf: Any = None  # audioclf.inference.Classifier, touched only in this thread
        self.cancel_below = 0  # jobs with id < this are cancelled (set from the UI thread)

    @Slot()
    def lower_priority(self) -> None:
        """Runs in the worker thread: nice it (Linux: per thread) so the UI thread wins
        the CPU whenever both want it. Best effort; ignored where unsupported."""
        import threading

        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICE)
        except (AttributeError, OSError, PermissionError):
            pass

    def _cancelled(self, job: int) -> bool:
        return job < self.cancel_below

    @Slot(str, str)
    def load_model(self, path: str, device: str) -> None:
        from audioclf.checkpoint import default_model_path
        from audioclf.inference import Classifier

        target = path or str(default_model_path())
        if not path and not os.path.exists(target):
            self.modelFailed.emit(f"The default model is missing ({target}). "
                                  "Use Model > Open model... to choose a model file.")
            return
        try:
            clf = Classifier.from_file(target, device or "auto")
        except AudioclfError as exc:
            self.modelFailed.emit(str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - becomes a message, with the traceback logged
            log.error("loading %s failed:\n%s", target, traceback.format_exc())
            self.modelFailed.emit(f"{target}: could not load the model ({exc})")
            return
        self._clf = clf
        b = clf.bundle
        self.modelLoaded.emit(ModelInfo(b.name, str(b.path), list(clf.labels), str(clf.device),
                                        clf.fcfg, float(b.model_config.window_s),
                                        dict(b.training)))

    @Slot(int, object)
    def classify(self, job: int, rows: list[tuple[int, str]]) -> None:
        """Classify [(row, path)] in order; emit Items in batches, then jobDone."""
        from audioclf.inference import FileFailure

        clf = self._clf
        pending: list[Item] = []
        last = time.monotonic()
        done = 0
        try:
            if self._cancelled(job):
                return
            if clf is None:
                pending = [Item(r, FileFailure(p, "no model loaded"), None) for r, p in rows]
                return
            paths = [p for _, p in rows]
            it = clf.classify_files(paths, keep_spectrogram=True,
                                    cancel=lambda: self._cancelled(job))
            for (row, _), res in zip(rows, it):
                pending.append(Item(row, res, clf.fcfg))
                done += 1
                if time.monotonic() - last >= EMIT_INTERVAL_S:
                    self.itemsReady.emit(job, pending)
                    pending, last = [], time.monotonic()
        except Exception as exc:  # noqa: BLE001 - unexpected: error rows, traceback logged
            log.error("classification failed:\n%s", traceback.format_exc())
            pending += [Item(r, FileFailure(p, f"internal error: {exc}"), None)
                        for r, p in rows[done:]]
        finally:
            if pending:
                self.itemsReady.emit(job, pending)
            self.jobDone.emit(job, self._cancelled(job))

    @Slot(str)
    def explain(self, path: str) -> None:
        from audioclf import audio
        from audioclf.explain import saliency

        if self._clf is None:
            self.saliencyFailed.emit(path, "no model loaded")
            return
        try:
            x = audio.load(path, self._clf.fcfg.sample_rate)
            self.saliencyReady.emit(path, saliency(self._clf, samples=x))
        except AudioclfError as exc:
            self.saliencyFailed.emit(path, str(exc))
        except Exception as exc:  # noqa: BLE001
            log.error("saliency of %s failed:\n%s", path, traceback.format_exc())
            self.saliencyFailed.emit(path, f"{path}: could not explain ({exc})")


def reserve_ui_core() -> None:
    """Leave one CPU core to the UI thread: torch's intra-op threads (OpenMP, which spins
    while waiting) on every core starved the event loop and, on a busy 2-core machine, made a
    200-file batch 10x slower (bench/ui_stall.py). Process-wide, so done once, here."""
    import torch

    want = max(1, (os.cpu_count() or 2) - 1)
    if torch.get_num_threads() > want:
        torch.set_num_threads(want)


class WorkerHost(QObject):
    """Owns the thread and the worker; the UI thread talks to the worker only through here.

    Its result signals mirror the worker's and are always emitted in the UI thread.
    """

    modelLoaded = Signal(object)
    modelFailed = Signal(str)
    itemsReady = Signal(int, object)
    jobDone = Signal(int, bool)
    saliencyReady = Signal(str, object)
    saliencyFailed = Signal(str, str)
    _load = Signal(str, str)
    _classify = Signal(int, object)
    _explain = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thread = QThread()
        self.thread.setObjectName("audioclf-inference")
        self.worker = InferenceWorker()
        self.worker.moveToThread(self.thread)
        self.thread.finished.connect(self.worker.deleteLater)
        self.thread.started.connect(self.worker.lower_priority)
        self._load.connect(self.worker.load_model)
        self._classify.connect(self.worker.classify)
        self._explain.connect(self.worker.explain)
        w = self.worker
        for name in ("modelLoaded", "modelFailed", "itemsReady", "jobDone", "saliencyReady",
                     "saliencyFailed"):  # signal -> signal: queued into this (UI) thread
            getattr(w, name).connect(getattr(self, name))
        reserve_ui_core()
        self._next_job = 0
        self.thread.start()

    def load_model(self, path: str | None, device: str) -> None:
        self._load.emit(path or "", device)

    def classify(self, rows: list[tuple[int, str]]) -> int:
        job = self._next_job
        self._next_job += 1
        self._classify.emit(job, rows)
        return job

    def explain(self, path: str) -> None:
        self._explain.emit(path)

    def cancel_all(self) -> None:
        """Cancel every job queued so far (the running one stops at its next step)."""
        self.worker.cancel_below = self._next_job

    def shutdown(self) -> bool:
        """Cancel, stop the event loop and wait for the thread; True when it has stopped."""
        if not self.thread.isRunning():
            return True
        self.cancel_all()
        self.thread.quit()  # thread-safe; called directly (see the shared notes' trap)
        ok = self.thread.wait(STOP_WAIT_MS)
        if not ok:
            log.error("the inference thread did not stop within %d ms", STOP_WAIT_MS)
        return bool(ok)
