"""Live plots: a scrolling log-mel spectrogram over per-class probability curves, one time axis.

Data arrive as numpy arrays (never torch) and go into preallocated circular buffers;
:meth:`LivePlots.redraw` (called by the view's timer) draws only when something changed:
one ``setImage`` with fixed levels (no autoLevels) and one ``setData`` per curve.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from audioclf.config import FeatureConfig
from audioclf.gui import scales
from audioclf.gui.widgets.colors import class_color

MAX_SPAN_S = 60.0  # longest window the view can show, seconds


class LivePlots(pg.GraphicsLayoutWidget):
    """Spectrogram (top) and probabilities (bottom) of the last ``span_s`` seconds."""

    def __init__(self, span_s: float = 10.0, levels: tuple[float, float] = (-90.0, -10.0),
                 colormap: str = "inferno") -> None:
        super().__init__()
        self.levels = levels
        self.spec_plot = self.addPlot(row=0, col=0)
        self.prob_plot = self.addPlot(row=1, col=0)
        self.ci.layout.setRowStretchFactor(0, 3)
        self.ci.layout.setRowStretchFactor(1, 2)
        self.image = pg.ImageItem(axisOrder="row-major")  # rows = mel bands, cols = time
        self.image.setColorMap(pg.colormap.get(colormap))
        self.spec_plot.addItem(self.image)
        self.spec_plot.setLabel("left", "Frequency (Hz)")
        self.spec_plot.getAxis("bottom").setStyle(showValues=False)
        self.prob_plot.setLabel("left", "Probability")
        self.prob_plot.setLabel("bottom", "Time (s)")
        self.prob_plot.setYRange(0.0, 1.02, padding=0)
        self.prob_plot.setXLink(self.spec_plot)
        for p in (self.spec_plot, self.prob_plot):
            p.setMouseEnabled(x=False, y=False)
            p.hideButtons()
            p.getAxis("left").setWidth(60)
        self.legend = self.prob_plot.addLegend(offset=(-10, 5), colCount=6)
        self.span_s = span_s
        self.curves: list[pg.PlotDataItem] = []
        self.labels: list[str] = []
        self._dirty = False
        self.draws = 0  # redraws done (for tests/benchmarks)

    # ------------------------------------------------------------------ set-up
    def configure(self, fcfg: FeatureConfig, labels: list[str], hop_s: float) -> None:
        """Allocate buffers for a model: F mel bands, K classes, points every ``hop_s``."""
        self.fcfg, self.labels, self.hop_s = fcfg, list(labels), hop_s
        self.col_dt = fcfg.hop_length / fcfg.sample_rate  # seconds per column
        self.cap_cols = int(MAX_SPAN_S / self.col_dt) + 1
        self.cap_pts = int(MAX_SPAN_S / hop_s) + 1
        self._spec = np.full((self.cap_cols, fcfg.n_mels), self.levels[0], np.float32)
        self._times = np.zeros(self.cap_pts, np.float64)
        self._probs = np.zeros((self.cap_pts, len(labels)), np.float32)
        self.n_cols = 0  # columns ever added
        self.n_pts = 0  # points ever added
        self.t_end = 0.0  # right edge of the view, seconds
        for c in self.curves:
            self.prob_plot.removeItem(c)
        self.legend.clear()
        self.curves = []
        for i, name in enumerate(self.labels):
            pen = pg.mkPen(class_color(i, len(self.labels)), width=2)
            self.curves.append(self.prob_plot.plot([], [], pen=pen, name=name))
        ticks = scales.hz_ticks(fcfg)
        self.spec_plot.getAxis("left").setTicks([ticks])
        self.spec_plot.setYRange(0, fcfg.n_mels, padding=0)
        self._img = np.zeros((fcfg.n_mels, 1), np.float32)
        self._dirty = True

    def set_span(self, span_s: float) -> None:
        self.span_s = float(min(MAX_SPAN_S, max(1.0, span_s)))
        self._dirty = True

    def set_colormap(self, name: str) -> None:
        self.image.setColorMap(pg.colormap.get(name))

    # ------------------------------------------------------------------ data in
    def add_columns(self, cols_db: np.ndarray, t0: float) -> None:
        """``cols_db`` (F, k) dB; ``t0`` centre time (s) of its first column."""
        k = cols_db.shape[1]
        if k == 0:
            return
        idx = (self.n_cols + np.arange(k)) % self.cap_cols
        self._spec[idx] = cols_db.T
        self.n_cols += k
        self.t_end = max(self.t_end, t0 + (k - 0.5) * self.col_dt)
        self._dirty = True

    def add_points(self, times: np.ndarray, probs: np.ndarray) -> None:
        """``times`` (n,) seconds, ``probs`` (n, K)."""
        n = times.size
        if n == 0:
            return
        idx = (self.n_pts + np.arange(n)) % self.cap_pts
        self._times[idx] = times
        self._probs[idx] = probs
        self.n_pts += n
        self._dirty = True

    # ------------------------------------------------------------------ drawing
    def _ordered(self, buf: np.ndarray, count: int, n: int) -> np.ndarray:
        cap = buf.shape[0]
        n = min(n, count, cap)
        start = (count - n) % cap
        if start + n <= cap:
            return buf[start:start + n]
        return np.concatenate([buf[start:], buf[: start + n - cap]])

    def redraw(self) -> bool:
        """Draw if anything changed since the last call; return whether it drew."""
        if not self._dirty or not hasattr(self, "fcfg"):
            return False
        self._dirty = False
        ncols = round(self.span_s / self.col_dt)
        cols = self._ordered(self._spec, self.n_cols, ncols)  # (n, F)
        if cols.shape[0]:
            if self._img.shape != (cols.shape[1], ncols):
                self._img = np.full((cols.shape[1], ncols), self.levels[0], np.float32)
            self._img[:, : ncols - cols.shape[0]] = self.levels[0]  # not heard yet: quiet
            self._img[:, ncols - cols.shape[0]:] = cols.T
            self.image.setImage(self._img, autoLevels=False, levels=self.levels)
            self.image.setRect(QRectF(self.t_end - ncols * self.col_dt, 0.0,
                                      ncols * self.col_dt, float(self.fcfg.n_mels)))
        npts = int(self.span_s / self.hop_s) + 2
        times = self._ordered(self._times, self.n_pts, npts)
        probs = self._ordered(self._probs, self.n_pts, npts)
        for k, c in enumerate(self.curves):
            c.setData(times, probs[:, k])
        x0 = max(0.0, self.t_end - self.span_s) if self.t_end > self.span_s else 0.0
        self.spec_plot.setXRange(x0, x0 + self.span_s, padding=0)
        self.draws += 1
        return True
