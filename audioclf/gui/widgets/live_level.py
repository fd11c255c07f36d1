"""Input level meter: a horizontal bar in dBFS with a decaying peak-hold tick."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

FLOOR_DB = -60.0  # left end of the bar, dBFS
HOLD_DECAY_DB = 0.6  # peak-hold fall per update, dB


class LevelMeter(QWidget):
    """Call :meth:`set_level` with a peak level in dBFS; repaints only when it changes."""

    def __init__(self) -> None:
        super().__init__()
        self.level_db = FLOOR_DB
        self.hold_db = FLOOR_DB
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip("Input level (peak, dBFS)")

    def sizeHint(self) -> QSize:
        return QSize(160, 14)

    def set_level(self, db: float) -> None:
        db = max(FLOOR_DB, min(0.0, db))
        hold = max(db, self.hold_db - HOLD_DECAY_DB)
        if abs(db - self.level_db) < 0.1 and abs(hold - self.hold_db) < 0.1:
            return
        self.level_db, self.hold_db = db, hold
        self.update()

    def _x(self, db: float) -> float:
        return (db - FLOOR_DB) / -FLOOR_DB * self.width()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#202020"))
        w = self._x(self.level_db)
        colour = QColor("#59a14f") if self.level_db < -12 else (
            QColor("#edc948") if self.level_db < -3 else QColor("#e15759"))
        p.fillRect(QRectF(0, 0, w, self.height()), colour)
        p.fillRect(QRectF(self._x(self.hold_db) - 1, 0, 2, self.height()), QColor("#ffffff"))
        p.end()
