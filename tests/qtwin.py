"""Shared pytest-qt helpers for the main window: open one on a model, drop files on it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget

from audioclf.gui.main_window import MainWindow
from audioclf.gui.settings import open_settings


def make_window(qtbot: Any, model: Any, tmp_path: Path, timeout: int = 30_000,
                **kw: Any) -> MainWindow:
    """A shown main window with private settings, once its model is loaded (or refused)."""
    w = MainWindow(model, "cpu", settings=open_settings(str(tmp_path / "settings.ini")), **kw)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.model is not None or w.notice.isVisible(), timeout=timeout)
    return w


def drop(w: MainWindow, paths: list[Path], over: QWidget | None = None) -> bool:
    """A simulated drag and drop sent to the native window, as a real drag would arrive
    (enter, move, drop); True when the drop was accepted."""
    md = QMimeData()
    md.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    widget = over if over is not None else w.views.graphics
    pos = QPointF(widget.mapTo(w, QPoint(widget.width() // 2, widget.height() // 2)))
    ev = None
    for kind in (QDragEnterEvent, QDragMoveEvent, QDropEvent):
        ev = kind(pos, Qt.DropAction.CopyAction, md, Qt.MouseButton.LeftButton,
                  Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(w.windowHandle(), ev)
    assert ev is not None
    return ev.isAccepted()
