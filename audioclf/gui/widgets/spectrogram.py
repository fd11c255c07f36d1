"""The log-mel spectrogram plot: time in seconds, frequency in Hz (mel-spaced rows)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QGraphicsItem

from audioclf.config import FeatureConfig
from audioclf.gui import scales


def _overlay_lut() -> np.ndarray:
    """(256, 4) RGBA: transparent at 0 rising to opaque cyan-white at 1."""
    a = np.linspace(0.0, 1.0, 256)
    lut = np.zeros((256, 4), np.uint8)
    lut[:, 0] = (80 + 175 * a**2).astype(np.uint8)
    lut[:, 1] = 255
    lut[:, 2] = 255
    lut[:, 3] = (230 * np.clip(a * 1.4, 0, 1) ** 1.5).astype(np.uint8)
    return lut


class SpectrogramPlot(pg.PlotItem):
    """An ImageItem of (F, T) dB values with fixed levels, plus a saliency overlay and cursor."""

    def __init__(self, levels: tuple[float, float] = (-90.0, -10.0),
                 colormap: str = "inferno") -> None:
        super().__init__()
        self.levels = levels
        self.image = pg.ImageItem(axisOrder="row-major")  # rows = mel bands (y), cols = time
        self.overlay = pg.ImageItem(axisOrder="row-major")
        self.overlay.setZValue(5)
        self.overlay.setVisible(False)
        self.addItem(self.image)
        self.addItem(self.overlay)
        self.cursor = pg.InfiniteLine(0.0, angle=90, movable=False,
                                      pen=pg.mkPen("#ffffff", width=1.5))
        self.cursor.setZValue(10)
        self.cursor.setVisible(False)
        self.addItem(self.cursor)
        self.setLabel("left", "Frequency (Hz)")
        self.setMouseEnabled(x=True, y=False)
        self.hideButtons()
        self.disableAutoRange()  # ranges are set explicitly; saves work on every update
        self.hideAxis("bottom")  # the probability plot under it shows the (linked) time axis
        self.getAxis("left").setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.fcfg: FeatureConfig | None = None
        self._ticks_for: FeatureConfig | None = None
        self.db: np.ndarray | None = None
        self.set_colormap(colormap)

    def set_colormap(self, name: str) -> None:
        self.image.setColorMap(pg.colormap.get(name))

    def set_levels(self, lo: float, hi: float) -> None:
        self.levels = (lo, hi)
        if self.db is not None:
            self.image.setLevels(self.levels)

    def set_spectrogram(self, db: np.ndarray, fcfg: FeatureConfig) -> None:
        """``db``: (F, T) log-mel in dB, F = fcfg.n_mels."""
        self.fcfg, self.db = fcfg, db
        self.image.setImage(db, autoLevels=False, levels=self.levels)
        x0, width = scales.frame_span_s(fcfg, db.shape[1])
        rect = QRectF(x0, 0.0, width, float(db.shape[0]))
        self.image.setRect(rect)
        self.overlay.setRect(rect)
        self.overlay.clear()
        if fcfg != self._ticks_for:
            self._ticks_for = fcfg
            self.getAxis("left").setTicks([scales.hz_ticks(fcfg), []])
            self.setYRange(0, db.shape[0], padding=0)
        self.setXRange(0, x0 + width, padding=0)

    def set_saliency(self, sal: np.ndarray | None) -> None:
        """(F, T) 0..1 relevance over the current image, or None to clear it."""
        if sal is None or self.db is None or sal.shape != self.db.shape:
            self.overlay.clear()
            return
        self.overlay.setImage(sal, autoLevels=False, levels=(0.0, 1.0), lut=_overlay_lut())
        if self.fcfg is not None:
            x0, width = scales.frame_span_s(self.fcfg, sal.shape[1])
            self.overlay.setRect(QRectF(x0, 0.0, width, float(sal.shape[0])))

    def clear_data(self) -> None:
        self.db = None
        self.image.clear()
        self.overlay.clear()
