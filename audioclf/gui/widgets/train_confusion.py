"""The confusion matrix as an image: rows true classes, columns predicted, colour = share of
the true class, counts written in the cells; clicking a cell emits (true, predicted)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget


class ConfusionView(QWidget):
    cellClicked = Signal(int, int)  # true class index, predicted class index

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.graphics = pg.GraphicsLayoutWidget()
        self.plot = self.graphics.addPlot()
        self.plot.setLabel("left", "True class")
        self.plot.setLabel("bottom", "Predicted class")
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.invertY(True)  # first class at the top, as in a printed table
        self.plot.setAspectLocked(True)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(pg.colormap.get("CET-L12"))  # white to blue
        self.plot.addItem(self.image)
        self.marker = pg.QtWidgets.QGraphicsRectItem()
        self.marker.setPen(pg.mkPen("#e15759", width=3))
        self.marker.setVisible(False)
        self.plot.addItem(self.marker)
        self.texts: list[pg.TextItem] = []
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.graphics)
        self.graphics.scene().sigMouseClicked.connect(self._clicked)
        self.matrix = np.zeros((0, 0), np.int64)
        self.labels: list[str] = []

    def set_matrix(self, matrix: np.ndarray, labels: list[str]) -> None:
        """``matrix`` (K, K) counts, rows true, columns predicted."""
        m = np.asarray(matrix, np.int64)
        self.matrix, self.labels = m, list(labels)
        k = len(labels)
        share = m / np.maximum(m.sum(1, keepdims=True), 1)
        self.image.setImage(share.astype(np.float32), autoLevels=False, levels=(0.0, 1.0))
        self.image.setRect(QRectF(0, 0, k, k))
        for t in self.texts:
            self.plot.removeItem(t)
        self.texts = []
        for r in range(k):
            for c in range(k):
                t = pg.TextItem(str(m[r, c]), anchor=(0.5, 0.5),
                                color="w" if share[r, c] > 0.55 else "k")
                t.setPos(c + 0.5, r + 0.5)
                self.plot.addItem(t)
                self.texts.append(t)
        ticks = [[(i + 0.5, lab) for i, lab in enumerate(labels)], []]
        self.plot.getAxis("left").setTicks(ticks)
        self.plot.getAxis("bottom").setTicks(ticks)
        self.plot.setRange(xRange=(0, k), yRange=(0, k), padding=0.02)
        self.marker.setVisible(False)

    def cell_center(self, row: int, col: int) -> QPointF:
        """Scene position of a cell's centre (tests click there)."""
        return self.plot.vb.mapViewToScene(QPointF(col + 0.5, row + 0.5))

    def select_cell(self, row: int, col: int) -> None:
        k = len(self.labels)
        if not (0 <= row < k and 0 <= col < k):
            return
        self.marker.setRect(QRectF(col, row, 1, 1))
        self.marker.setVisible(True)
        self.cellClicked.emit(row, col)

    def _clicked(self, ev) -> None:  # type: ignore[no-untyped-def]
        if ev.button() != Qt.MouseButton.LeftButton or not self.labels:
            return
        pos = ev.scenePos()
        if not self.plot.vb.sceneBoundingRect().contains(pos):
            return
        p = self.plot.vb.mapSceneToView(pos)
        self.select_cell(int(np.floor(p.y())), int(np.floor(p.x())))
