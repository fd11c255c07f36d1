"""The selected file's views: spectrogram over probability curves (shared time axis) beside
the clip bars, a playback cursor over both plots and click-to-seek.

With ``set_defer_bars(True)`` (the main window, while a batch is classified) the bars follow
the plots one event-loop turn later, so the two repaints are separate pieces of UI work."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from audioclf.config import FeatureConfig
from audioclf.gui.widgets.bars import ClipBars
from audioclf.gui.widgets.probabilities import ProbabilityPlot
from audioclf.gui.widgets.spectrogram import SpectrogramPlot


class FileViews(QWidget):
    seekRequested = Signal(float)  # seconds, from a click on either plot

    def __init__(self, levels: tuple[float, float], colormap: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.graphics = pg.GraphicsLayoutWidget()
        self.spec = SpectrogramPlot(levels, colormap)
        self.probs = ProbabilityPlot()
        self.graphics.addItem(self.spec, row=0, col=0)
        self.graphics.addItem(self.probs, row=1, col=0)
        self.graphics.ci.layout.setRowStretchFactor(0, 3)
        self.graphics.ci.layout.setRowStretchFactor(1, 2)
        self.probs.setXLink(self.spec)
        for p in (self.spec, self.probs):  # same axis widths so the time axes line up
            p.getAxis("left").setWidth(60)
        self.bars = ClipBars()
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.graphics)
        split.addWidget(self.bars)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        split.setSizes([800, 260])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split)
        self.graphics.scene().sigMouseClicked.connect(self._clicked)
        self.path: str | None = None
        self.duration_s = 0.0
        self._defer_bars = False
        self._bars_due: tuple[list[str], np.ndarray] | None = None  # (labels, clip probs)
        self._bars_timer = QTimer(self, singleShot=True, interval=0)  # fires once idle
        self._bars_timer.timeout.connect(self._show_bars)

    # ------------------------------------------------------------------ data in
    def show_result(self, result, fcfg: FeatureConfig | None) -> None:  # type: ignore[no-untyped-def]
        """A FileResult (numpy fields) and the feature config it was computed with."""
        self.path, self.duration_s = result.path, float(result.duration_s)
        if result.spectrogram_db is not None and fcfg is not None:
            self.spec.set_spectrogram(np.asarray(result.spectrogram_db, np.float32), fcfg)
        else:
            self.spec.clear_data()
        self.probs.set_timeline(result.times, result.timeline, result.labels, result.probs,
                                result.duration_s)
        for p in (self.spec, self.probs):  # apply the new ranges now, not while painting:
            p.vb.updateMatrix()  # else the curves move after the paint and cause a second one
        self._bars_due = (list(result.labels), np.asarray(result.probs))
        if self._defer_bars:
            self._bars_timer.start()
        else:
            self._show_bars()
        self.set_cursor(None)

    def set_defer_bars(self, on: bool) -> None:
        """Draw the bars one event-loop turn after the plots (on) or with them (off; any
        pending bars are drawn now)."""
        self._defer_bars = on
        if not on:
            self._show_bars()

    def _show_bars(self) -> None:
        self._bars_timer.stop()
        if self._bars_due is not None:
            labels, probs = self._bars_due
            self._bars_due = None
            self.bars.set_probs(labels, probs)

    def prepare(self, labels: list[str], fcfg: FeatureConfig) -> None:
        """A model was loaded: create the per-class curves and render each item once off
        screen (lookup tables, tick pictures, glyphs), so the first result shown during a
        batch costs the UI thread a normal redraw, not a first one."""
        self._bars_due = None
        self.probs.prepare(labels)
        k, f = len(labels), fcfg.n_mels
        self.spec.set_spectrogram(np.full((f, 8), -100.0, np.float32), fcfg)
        self.probs.set_timeline(np.array([0.5]), np.full((1, k), 1.0 / k), labels,
                                np.full(k, 1.0 / k), 1.0)
        self.bars.set_probs(labels, np.full(k, 1.0 / k))
        self.graphics.grab()
        self.bars.grab()
        self.spec.clear_data()
        self.probs.clear_curves()
        self.bars.set_message("—", "Drop audio files here")

    def clear(self) -> None:
        """No file shown (the results were cleared): empty plots and the drop hint."""
        self._show_empty(None, "—", "Drop audio files here")

    def show_failure(self, path: str, error: str) -> None:
        self._show_empty(path, "error", error)

    def _show_empty(self, path: str | None, title: str, text: str) -> None:
        """Empty plots, a message where the bars go, no cursor."""
        self.path, self.duration_s = path, 0.0
        self._bars_due = None
        self._bars_timer.stop()
        self.spec.clear_data()
        self.probs.clear_curves()
        self.bars.set_message(title, text)
        self.set_cursor(None)

    def set_saliency(self, sal: np.ndarray | None) -> None:
        self.spec.set_saliency(sal)

    def show_saliency(self, on: bool) -> None:
        self.spec.overlay.setVisible(on)

    def set_levels(self, lo: float, hi: float) -> None:
        self.spec.set_levels(lo, hi)

    def set_colormap(self, name: str) -> None:
        self.spec.set_colormap(name)

    def set_cursor(self, t_s: float | None) -> None:
        for c in (self.spec.cursor, self.probs.cursor):
            c.setVisible(t_s is not None)
            if t_s is not None:
                c.setValue(t_s)

    # ------------------------------------------------------------------ mouse
    def _clicked(self, ev) -> None:  # type: ignore[no-untyped-def]
        if ev.button() != Qt.MouseButton.LeftButton or self.path is None:
            return
        pos = ev.scenePos()
        for p in (self.spec, self.probs):
            if p.vb.sceneBoundingRect().contains(pos):
                t = float(p.vb.mapSceneToView(pos).x())
                self.seekRequested.emit(min(max(t, 0.0), self.duration_s))
                return
