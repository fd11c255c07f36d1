"""Clip-level probabilities: the top class and its confidence in large type, and bars."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPalette
from PySide6.QtWidgets import QGraphicsItem, QLabel, QVBoxLayout, QWidget

from audioclf.gui.widgets.colors import class_color, faded

TOP_PT, MESSAGE_PT, CONF_PT = 30, 22, 15  # font sizes: top class, message title, confidence


def _font(base: QFont, point_size: int, bold: bool) -> QFont:
    f = QFont(base)
    f.setPointSize(point_size)
    f.setBold(bold)
    return f


class ClipBars(QWidget):
    """Fonts and colours are set directly (no style sheet per update), and both labels have a
    fixed height, so a new result repaints them without re-laying out the bar plot."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.top_label = QLabel("—")
        self.top_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._top_font = _font(self.font(), TOP_PT, True)
        self._message_font = _font(self.font(), MESSAGE_PT, True)
        self.top_label.setFont(self._top_font)
        self.top_label.setFixedHeight(QFontMetrics(self._top_font).height())
        self._text_color = self.top_label.palette().color(QPalette.ColorRole.WindowText)
        self.conf_label = QLabel("Drop audio files here")
        self.conf_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        conf_font = _font(self.font(), CONF_PT, False)
        self.conf_label.setFont(conf_font)
        self.conf_label.setFixedHeight(QFontMetrics(conf_font).height())
        self.plot = pg.PlotWidget()
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.disableAutoRange()
        self.plot.setXRange(0, 1, padding=0.02)
        self.plot.setLabel("bottom", "Clip probability")
        self.plot.getAxis("bottom").enableAutoSIPrefix(False)
        self.plot.getPlotItem().invertY(True)  # first class at the top
        for name in ("left", "bottom"):  # redrawn from a pixmap unless their ticks change
            self.plot.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.bars = pg.BarGraphItem(x0=[], y=[], width=[], height=0.7, pen=None)
        self.plot.addItem(self.bars)
        self._labels: list[str] = []
        self.values = np.zeros(0, np.float32)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.top_label)
        lay.addWidget(self.conf_label)
        lay.addWidget(self.plot, 1)

    def set_probs(self, labels: list[str], probs: np.ndarray) -> None:
        k = len(labels)
        best = int(np.argmax(probs))
        self.values = np.asarray(probs, np.float32).copy()
        brushes = [pg.mkBrush(class_color(i, k) if i == best else faded(class_color(i, k), 120))
                   for i in range(k)]
        self.bars.setOpts(x0=np.zeros(k), y=np.arange(k), width=self.values, height=0.7,
                          brushes=brushes, pen=None)
        if list(labels) != self._labels:
            self._labels = list(labels)
            self.plot.getAxis("left").setTicks([[(i, s) for i, s in enumerate(labels)]])
            self.plot.setYRange(-0.6, k - 0.4, padding=0)
        self._set_top(labels[best], self._top_font, class_color(best, k))
        self.conf_label.setText(f"confidence {probs[best]:.0%}")

    def set_message(self, title: str, text: str) -> None:
        self.clear()
        self._set_top(title, self._message_font, self._text_color)
        self.conf_label.setText(text)

    def _set_top(self, text: str, font: QFont, color: QColor) -> None:
        lab = self.top_label
        if lab.font() != font:
            lab.setFont(font)
        pal = lab.palette()
        if pal.color(QPalette.ColorRole.WindowText) != color:
            pal.setColor(QPalette.ColorRole.WindowText, color)
            lab.setPalette(pal)
        lab.setText(text)

    def clear(self) -> None:
        self.bars.setOpts(x0=[], y=[], width=[], brushes=None)
        self.values = np.zeros(0, np.float32)
