"""The Live view: record from a microphone and watch the spectrogram and probabilities scroll.

The UI thread does no DSP and no inference: a :class:`~audioclf.live.LiveSession` (its own
worker thread, Qt-free) does both; a QTimer here drains :meth:`LiveSession.poll` at
``FPS`` and redraws only what changed. Errors from the worker (no device, device gone,
stalled) come back as ``session.error`` and are shown in the status line; Record works again.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QFont, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from audioclf import paths
from audioclf.audio.io import write_audio
from audioclf.audio.recorder import StreamRecorder
from audioclf.errors import AudioclfError
from audioclf.gui import settings as st
from audioclf.gui.pyside_compat import pin_none
from audioclf.gui.widgets.live_level import LevelMeter
from audioclf.gui.widgets.live_plots import LivePlots
from audioclf.inference import TIMELINE_HOP_S, Classifier
from audioclf.live import LiveSession, MicSource, Source, save_clip_to_class
from audioclf.segments import BACKGROUND_NAMES

pin_none()  # PySide6 6.12 on Python 3.11 leaks None references on every void call

FPS = 30  # redraw timer rate
LIVE_DEVICE = "live/input_device"  # remembered input device name ("" = system default)
LIVE_SPAN = "live/span_s"  # remembered visible seconds
LIVE_DATASET = "live/dataset_dir"  # remembered dataset folder for "Add to class..."
HEARD_MAX = 16  # events shown in the "heard" line

SourceFactory = Callable[[int], Source]  # model sample rate -> a source


def _set_color(label: QLabel, color: str | None) -> None:
    """Set (or reset with None) a label's text colour."""
    pal = label.palette()
    pal.setColor(QPalette.ColorRole.WindowText, QColor(color) if color else
                 label.style().standardPalette().color(QPalette.ColorRole.WindowText))
    label.setPalette(pal)


class LiveView(QWidget):
    """Record/Stop, level meter, scrolling spectrogram + probabilities, top class, keep clips."""

    status_changed = Signal(str)
    recording_changed = Signal(bool)

    def __init__(self, model_path: str | os.PathLike[str] | None = None,
                 source_factory: SourceFactory | None = None, settings_path: str | None = None,
                 compute_device: str = "auto", settings: QSettings | None = None) -> None:
        super().__init__()
        self.settings = settings if settings is not None else st.open_settings(settings_path)
        self.model_path = model_path
        self.compute_device = compute_device
        self.source_factory = source_factory
        self.session: LiveSession | None = None
        self.take_path: Path | None = None  # the last take, streamed to disk as it is heard
        self.last_session: LiveSession | None = None
        self.heard: list[str] = []
        self._clf: Classifier | None = None
        self._clf_key: tuple[str, str] | None = None

        self.record_action = QAction("Record", self)
        self.record_action.setCheckable(True)
        self.record_action.setShortcut(QKeySequence("Ctrl+R"))
        self.record_action.setToolTip("Record from the microphone and classify live (Ctrl+R)")
        self.record_action.toggled.connect(self._on_record_toggled)
        self.record_action.toggled.connect(
            lambda on: self.record_action.setText("Stop" if on else "Record"))
        self.record_button = QToolButton()  # shows and drives the action: one checked state
        self.record_button.setDefaultAction(self.record_action)
        self.record_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)

        self.device_combo = QComboBox()
        self.device_combo.setMinimumWidth(180)
        self.device_combo.setToolTip("Input device")
        self.device_combo.currentIndexChanged.connect(self._remember_device)
        self.span_spin = QDoubleSpinBox()
        self.span_spin.setRange(2.0, 60.0)
        self.span_spin.setSuffix(" s shown")
        self.span_spin.setValue(float(self.settings.value(LIVE_SPAN, 10.0) or 10.0))
        self.span_spin.valueChanged.connect(self._on_span)
        self.level = LevelMeter()
        self.save_button = QPushButton("Save recording...")
        self.save_button.clicked.connect(self._save_dialog)
        self.add_button = QPushButton("Add to class...")
        self.add_button.setToolTip("Save the last model window of audio into a class folder")
        self.add_button.clicked.connect(self._add_dialog)
        for b in (self.save_button, self.add_button):
            b.setEnabled(False)

        self.top_label = QLabel("-")
        font = QFont()
        font.setPointSize(28)
        font.setBold(True)
        self.top_label.setFont(font)
        self.top_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.heard_label = QLabel("Heard: ")
        self.heard_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label = QLabel("Press Record (Ctrl+R) to listen.")
        self.plots = LivePlots(self.span_spin.value(), levels=(
            st.DB_TOP - st.DEFAULT_DB_RANGE, st.DB_TOP),
            colormap=st.get_str(self.settings, st.COLORMAP, st.DEFAULT_COLORMAP))

        bar = QHBoxLayout()
        for w in (self.record_button, self.device_combo, self.span_spin):
            bar.addWidget(w)
        bar.addWidget(self.level, 1)
        bar.addWidget(self.save_button)
        bar.addWidget(self.add_button)
        top = QHBoxLayout()
        top.addWidget(self.top_label, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(bar)
        lay.addLayout(top)
        lay.addWidget(self.plots, 1)
        lay.addWidget(self.heard_label)
        lay.addWidget(self.status_label)

        self.timer = QTimer(self)
        self.timer.setInterval(int(1000 / FPS))
        self.timer.timeout.connect(self._tick)
        self._devices_listed = False  # listed on first show (PortAudio start-up is not free)

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if not self._devices_listed:
            self._devices_listed = True
            self.refresh_devices()
        super().showEvent(event)

    # ------------------------------------------------------------------ devices and model
    def refresh_devices(self) -> None:
        from audioclf.audio.capture import list_input_devices

        want = st.get_str(self.settings, LIVE_DEVICE, "")
        self.device_combo.blockSignals(True)
        self.device_combo.clear()
        self.device_combo.addItem("System default", "")
        try:
            for d in list_input_devices():
                self.device_combo.addItem(f"{d.name} ({d.hostapi})", d.name)
        except AudioclfError as exc:
            self._status(str(exc), error=True)
        i = self.device_combo.findData(want)
        self.device_combo.setCurrentIndex(max(0, i))
        self.device_combo.blockSignals(False)

    def _remember_device(self) -> None:
        self.settings.setValue(LIVE_DEVICE, self.device_combo.currentData() or "")

    def set_model_path(self, path: str | os.PathLike[str] | None) -> None:
        """Use this model for the next recording (takes effect on Record)."""
        self.model_path = path

    def _classifier(self) -> Classifier:
        key = (os.fspath(self.model_path) if self.model_path else "", self.compute_device)
        if self._clf is None or self._clf_key != key:
            self._clf = Classifier.from_file(self.model_path, self.compute_device)
            self._clf_key = key
        return self._clf

    # ------------------------------------------------------------------ recording
    def _on_record_toggled(self, on: bool) -> None:
        if on and self.session is None:
            self.start()
        elif not on and self.session is not None:
            self.stop()

    def start(self) -> bool:
        """Start listening; on failure show the message and stay stopped."""
        if self.session is not None:
            return True
        try:
            clf = self._classifier()
            rate = clf.fcfg.sample_rate
            if self.source_factory is not None:
                source = self.source_factory(rate)
            else:
                source = MicSource(self.device_combo.currentData() or None, rate)
        except AudioclfError as exc:
            self._status(str(exc), error=True)
            self.record_action.setChecked(False)
            return False
        self.plots.configure(clf.fcfg, clf.labels, TIMELINE_HOP_S)
        # A full (gen 2) garbage collection over torch + Qt + pyqtgraph objects froze the
        # event loop for 120-200 ms mid-stream; objects alive now are long-lived: freeze them
        # out of the collector's scans (refcounting still frees them).
        gc.freeze()
        self.heard = []
        self.heard_label.setText("Heard: ")
        self.session = LiveSession(clf, source, recorder=self._open_take(rate))
        self.session.start()
        self.record_action.setChecked(True)
        self.save_button.setEnabled(False)
        self.add_button.setEnabled(False)
        take = (f"; saving the take to {self.take_path}"
                if self.session.recorder is not None and self.take_path else "")
        self._status(f"Listening on {getattr(source, 'name', 'input')} "
                     f"({source.rate} Hz -> {rate} Hz){take}")
        self.timer.start()
        self.recording_changed.emit(True)
        return True

    def _open_take(self, rate: int) -> StreamRecorder | None:
        """Stream this take to the user's recordings folder (flushed every second, so it
        survives a crash); without a writable folder, record in memory only and say so."""
        name = time.strftime("live-%Y%m%d-%H%M%S.wav")
        try:
            rec = StreamRecorder(paths.user_recordings_dir() / name, rate)
        except AudioclfError as exc:
            self._status(f"not saving the take to disk: {exc}", error=True)
            return None
        self.take_path = rec.path
        return rec

    def stop(self) -> None:
        sess, self.session = self.session, None
        if sess is None:
            return
        sess.stop()
        self._drain(sess)
        self.plots.redraw()
        self.timer.stop()
        self.last_session = sess
        self.record_action.setChecked(False)
        has_audio = sess.samples_in > 0
        self.save_button.setEnabled(has_audio)
        self.add_button.setEnabled(has_audio)
        if sess.error:
            self._status(sess.error, error=True)
        else:
            self._status(f"Stopped after {sess.samples_in / sess.rate:.1f} s"
                         + (f"; dropped {sess.dropped_hops} hops" if sess.dropped_hops else ""))
        self.recording_changed.emit(False)

    def _drain(self, sess: LiveSession) -> None:
        ups = sess.poll()
        for u in ups:
            self.plots.add_columns(u.columns_db, u.column_t0)
            self.plots.add_points(u.times, u.probs)
            for s in u.segments:
                self.heard = (self.heard + [s.label])[-HEARD_MAX:]
        if ups:
            self.level.set_level(max(u.level_db for u in ups))
            last = next((u for u in reversed(ups) if u.times.size), None)
            if last is not None:
                p = last.probs[-1]
                k = int(np.argmax(p))
                name = sess.labels[k]
                bg = name.lower() in BACKGROUND_NAMES
                self.top_label.setText(f"{name}  {p[k]:.0%}")
                _set_color(self.top_label, "#888888" if bg else None)
            if any(u.segments for u in ups):
                self.heard_label.setText("Heard: " + " ".join(self.heard))

    def _tick(self) -> None:
        sess = self.session
        if sess is None:
            return
        self._drain(sess)
        self.plots.redraw()
        if sess.dropped_hops:
            self.status_label.setText(f"Listening; dropped {sess.dropped_hops} hops "
                                      "(inference fell behind)")
        if sess.finished.is_set():
            self.stop()

    def _on_span(self, v: float) -> None:
        self.settings.setValue(LIVE_SPAN, v)
        self.plots.set_span(v)
        self.plots.redraw()

    def _status(self, msg: str, error: bool = False) -> None:
        self.status_label.setText(msg)
        _set_color(self.status_label, "#e15759" if error else None)
        self.status_changed.emit(msg)

    # ------------------------------------------------------------------ keeping audio
    def _recorded(self) -> tuple[np.ndarray, int]:
        sess = self.session or self.last_session
        if sess is None:
            raise AudioclfError("nothing recorded yet")
        return sess.recording(), sess.rate

    def save_recording(self, path: str | os.PathLike[str]) -> Path:
        """Write everything recorded (up to the history length) to WAV/FLAC, atomically."""
        x, sr = self._recorded()
        if x.size == 0:
            raise AudioclfError("nothing recorded yet")
        write_audio(path, x, sr)
        self._status(f"Saved {x.size / sr:.1f} s to {path}")
        return Path(path)

    def add_to_class(self, dataset_dir: str | os.PathLike[str], label: str) -> Path:
        """Save the last model window of audio as a new example of ``label``."""
        x, sr = self._recorded()
        win_s = self._classifier().bundle.model_config.window_s
        out = save_clip_to_class(dataset_dir, label, x[-int(win_s * sr):], sr)
        self.settings.setValue(LIVE_DATASET, os.fspath(dataset_dir))
        self._status(f"Added {out.name} to class '{label}' in {dataset_dir}")
        return out

    def _save_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save recording", "recording.wav",
                                              "Audio (*.wav *.flac)")
        if path:
            try:
                self.save_recording(path)
            except AudioclfError as exc:
                self._status(str(exc), error=True)

    def _add_dialog(self) -> None:
        start = st.get_str(self.settings, LIVE_DATASET, "")
        folder = QFileDialog.getExistingDirectory(self, "Dataset folder", start)
        if not folder:
            return
        existing = sorted(p.name for p in Path(folder).iterdir()
                          if p.is_dir() and not p.name.startswith("."))
        names = existing + [n for n in (self._clf.labels if self._clf else []) if n not in existing]
        label, ok = QInputDialog.getItem(self, "Add to class", "Class:", names, 0, True)
        if ok and label:
            try:
                self.add_to_class(folder, label)
            except AudioclfError as exc:
                self._status(str(exc), error=True)

    def shutdown(self) -> None:
        """Stop the worker (call when the window closes)."""
        self.stop()

    def closeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        self.shutdown()
        super().closeEvent(event)
