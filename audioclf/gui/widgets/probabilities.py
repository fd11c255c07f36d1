"""Per-class probabilities over time (the core's timeline), top classes emphasised."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QGraphicsItem

from audioclf.gui.widgets.colors import class_color, faded

TOP_EMPHASISED = 3  # classes drawn bold (and above the others)


class ProbabilityPlot(pg.PlotItem):
    """One curve per class, created once per label set and then only updated (setData).

    The curves are bare PlotCurveItems (pen and data in one update) rather than PlotDataItems,
    which redo their bookkeeping on setPen and again on setData; together with the axes and
    legend names drawn from cached pixmaps this keeps showing a file a few milliseconds of UI
    time (bench/ui_stall.py)."""

    def __init__(self) -> None:
        super().__init__()
        self.setLabel("left", "Probability")
        self.setLabel("bottom", "Time (s)")
        self.getAxis("bottom").enableAutoSIPrefix(False)
        self.setYRange(0, 1.02, padding=0)
        self.setMouseEnabled(x=True, y=False)
        self.hideButtons()
        self.disableAutoRange()  # ranges are set explicitly; saves work on every update
        self.showGrid(y=True, alpha=0.25)
        self.legend = self.addLegend(offset=(-10, 5), labelTextSize="8pt")
        for name in ("left", "bottom"):  # redrawn from a pixmap unless their range changes
            self.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.class_curves: dict[str, pg.PlotCurveItem] = {}
        self._labels: list[str] = []
        self.cursor = pg.InfiniteLine(0.0, angle=90, movable=False,
                                      pen=pg.mkPen("#888888", width=1.5))
        self.cursor.setVisible(False)
        self.addItem(self.cursor)

    def prepare(self, labels: list[str]) -> None:
        if labels == self._labels:
            return
        for c in self.class_curves.values():
            self.removeItem(c)
        self.legend.clear()
        self.class_curves = {lab: pg.PlotCurveItem(name=lab) for lab in labels}
        for curve in self.class_curves.values():
            self.addItem(curve)  # added to the legend too (it has a name)
        for _sample, text in self.legend.items:  # names are fixed: draw their text once, then
            for item in (text, text.item):  # blit it (the samples follow the curves' pens)
                item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.legend.setColumnCount(max(1, -(-len(labels) // 4)))  # at most 4 rows
        self._labels = list(labels)

    def clear_curves(self) -> None:
        for c in self.class_curves.values():
            c.setData([], [])

    def set_timeline(self, times: np.ndarray, timeline: np.ndarray, labels: list[str],
                     clip_probs: np.ndarray, duration_s: float) -> None:
        """``times`` (N,) s, ``timeline`` (N, K); classes ranked by ``clip_probs`` (K,)."""
        self.prepare(list(labels))
        if len(times) == 1:  # a clip no longer than the window: one value over the whole clip
            times = np.array([0.0, max(duration_s, 1e-3)])
            timeline = np.repeat(timeline, 2, axis=0)
        top = set(np.argsort(-clip_probs)[:TOP_EMPHASISED].tolist())
        k = len(labels)
        for i, lab in enumerate(labels):
            c = class_color(i, k)
            curve = self.class_curves[lab]
            curve.setZValue(2 if i in top else 1)
            curve.setData(times, timeline[:, i],
                          pen=pg.mkPen(c, width=3) if i in top else pg.mkPen(faded(c, 110), width=1))
