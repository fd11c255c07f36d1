"""Live training curves: loss and accuracy (train and validation) per epoch, in pyqtgraph.

Curves are created once and only updated (setData) as epochs complete. Ranges are set for
the whole run when it starts (and only grow when the loss leaves them), and axes and legends
are cached as pixmaps: redrawing axis text on every epoch cost 40-90 ms of the UI thread on a
loaded 2-core machine (bench/train_ui_stall.py)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QGraphicsItem, QVBoxLayout, QWidget

TRAIN_COLOR, VAL_COLOR = "#4e79a7", "#f28e2b"


class TrainCurves(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.graphics = pg.GraphicsLayoutWidget()
        self.loss_plot = self.graphics.addPlot(row=0, col=0, title="Loss")
        self.acc_plot = self.graphics.addPlot(row=0, col=1, title="Accuracy")
        for p in (self.loss_plot, self.acc_plot):
            p.setLabel("bottom", "Epoch")
            p.showGrid(x=True, y=True, alpha=0.25)
            p.setMouseEnabled(x=False, y=False)
            p.hideButtons()
            p.disableAutoRange()
            legend = p.addLegend(offset=(-10, 10), labelTextSize="8pt")
            for item in (p.getAxis("left"), p.getAxis("bottom"), legend):
                item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            p.getAxis("left").setWidth(44)
        self.acc_plot.setYRange(0, 1.02, padding=0)
        self.train_loss = self.loss_plot.plot([], [], name="train", symbol="o", symbolSize=5,
                                              pen=pg.mkPen(TRAIN_COLOR, width=2),
                                              symbolBrush=TRAIN_COLOR)
        self.train_acc = self.acc_plot.plot([], [], name="train", symbol="o", symbolSize=5,
                                            pen=pg.mkPen(TRAIN_COLOR, width=2),
                                            symbolBrush=TRAIN_COLOR)
        self.val_acc = self.acc_plot.plot([], [], name="validation", symbol="s", symbolSize=6,
                                          pen=pg.mkPen(VAL_COLOR, width=2), symbolBrush=VAL_COLOR)
        self.best = pg.InfiniteLine(angle=90, movable=False,
                                    pen=pg.mkPen("#59a14f", width=1, style=pg.QtCore.Qt.PenStyle.DashLine))
        self.best.setVisible(False)
        self.acc_plot.addItem(self.best)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.graphics)
        for c in (self.train_loss, self.train_acc, self.val_acc):  # render symbols once now,
            c.setData([1.0], [0.5])  # not first during training
        self.best.setVisible(True)
        self.graphics.grab()
        self.clear()

    def clear(self) -> None:
        """Forget all epochs (a new run; a resumed run continues the same curves)."""
        self.epochs: list[float] = []
        self.losses: list[float] = []
        self.train_accs: list[float] = []
        self.val_accs: list[float] = []
        for c in (self.train_loss, self.train_acc, self.val_acc):
            c.setData([], [])
        self.best.setVisible(False)
        self.top_loss = 0.0
        self.start(10)

    def start(self, epochs: int, n_classes: int = 2) -> None:
        """A run of up to ``epochs`` more epochs begins: fix the epoch axis for all of it, and
        the loss axis from the loss of a guess (ln K)."""
        n = len(self.epochs) + max(1, epochs)
        for p in (self.loss_plot, self.acc_plot):
            p.setXRange(0.5, n + 0.5, padding=0)
            step = max(1, int(np.ceil(n / 10)))  # whole epochs on the axis
            p.getAxis("bottom").setTickSpacing(major=step, minor=step)
        if not self.epochs:
            self._grow_loss(float(np.log(max(n_classes, 2))))

    def _grow_loss(self, loss: float) -> None:
        if np.isfinite(loss) and loss > self.top_loss:
            self.top_loss = float(2 ** np.ceil(np.log2(loss * 1.2)))  # grows rarely
            self.loss_plot.setYRange(0, self.top_loss, padding=0)

    def add_epoch(self, loss: float | None, train_acc: float | None, val_acc: float | None,
                  improved: bool) -> None:
        """One completed epoch (numbered after those already shown)."""
        self.epochs.append(len(self.epochs) + 1.0)
        self.losses.append(np.nan if loss is None else loss)
        self.train_accs.append(np.nan if train_acc is None else train_acc)
        self.val_accs.append(np.nan if val_acc is None else val_acc)
        x = np.asarray(self.epochs)
        self.train_loss.setData(x, np.asarray(self.losses), connect="finite")
        self.train_acc.setData(x, np.asarray(self.train_accs), connect="finite")
        self.val_acc.setData(x, np.asarray(self.val_accs), connect="finite")
        if improved:
            self.best.setValue(x[-1])
            self.best.setVisible(True)
        if loss is not None:
            self._grow_loss(loss)
