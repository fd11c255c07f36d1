"""Clip-level probabilities: the top class and its confidence in large type, and bars."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from audioclf.gui.widgets.colors import class_color, faded


class ClipBars(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.top_label = QLabel("—")
        self.top_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.top_label.setStyleSheet("font-size: 30pt; font-weight: bold;")
        self.conf_label = QLabel("Drop audio files here")
        self.conf_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.conf_label.setStyleSheet("font-size: 15pt;")
        self.plot = pg.PlotWidget()
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.disableAutoRange()
        self.plot.setXRange(0, 1, padding=0.02)
        self.plot.setLabel("bottom", "Clip probability")
        self.plot.getAxis("bottom").enableAutoSIPrefix(False)
        self.plot.getPlotItem().invertY(True)  # first class at the top
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
        self.top_label.setText(labels[best])
        self.top_label.setStyleSheet(f"font-size: 30pt; font-weight: bold; "
                                     f"color: {class_color(best, k).name()};")
        self.conf_label.setText(f"confidence {probs[best]:.0%}")

    def set_message(self, title: str, text: str) -> None:
        self.clear()
        self.top_label.setText(title)
        self.top_label.setStyleSheet("font-size: 22pt; font-weight: bold;")
        self.conf_label.setText(text)

    def clear(self) -> None:
        self.bars.setOpts(x0=[], y=[], width=[], brushes=None)
        self.values = np.zeros(0, np.float32)
