"""Class colours shared by the probability curves and the bars."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor

# Tableau-like qualitative palette; classes beyond it get evenly spaced hues.
_PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948",
            "#ff9da7", "#9c755f", "#bab0ac", "#17becf", "#bcbd22")


def class_color(i: int, n: int) -> QColor:
    if n <= len(_PALETTE):
        return QColor(_PALETTE[i])
    return pg.intColor(i, hues=n, values=1, maxValue=230, sat=200)


def faded(c: QColor, alpha: int) -> QColor:
    out = QColor(c)
    out.setAlpha(alpha)
    return out
