"""The dataset check's result: classes with file counts and durations, rates, channels,
unreadable files, warnings, or the one-line error that stops training."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QListWidget,
    QProgressBar,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from audioclf.dataset_report import DatasetReport, describe

ERROR_STYLE = "background:#fdecea; color:#611a15; padding:6px;"
WARN_STYLE = "background:#fff4e5; color:#663c00; padding:6px;"


def _duration(s: float) -> str:
    return f"{s:.1f} s" if s < 120 else f"{s / 60:.1f} min"


class DatasetSummary(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.progress.setFormat("Checking %v/%m files")
        self.info = QLabel("Choose a folder with one subfolder per class.")
        self.info.setWordWrap(True)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setVisible(False)
        self.warnings = QLabel()
        self.warnings.setWordWrap(True)
        self.warnings.setStyleSheet(WARN_STYLE)
        self.warnings.setVisible(False)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Class", "Files", "Duration"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.unreadable_label = QLabel("Unreadable files (skipped):")
        self.unreadable = QListWidget()
        self.unreadable.setMaximumHeight(80)
        for w in (self.unreadable_label, self.unreadable):
            w.setVisible(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        for w in (self.progress, self.error, self.info, self.table, self.warnings,
                  self.unreadable_label, self.unreadable):
            lay.addWidget(w)
        self.report: DatasetReport | None = None

    def start(self, folder: str) -> None:
        self.report = None
        self.table.setRowCount(0)
        self.error.setVisible(False)
        self.warnings.setVisible(False)
        for w in (self.unreadable_label, self.unreadable):
            w.setVisible(False)
        self.info.setText(f"Checking {folder}…")
        self.progress.setRange(0, 0)  # busy until the first count arrives
        self.progress.setVisible(True)

    def set_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)

    def show_report(self, rep: DatasetReport) -> None:
        self.report = rep
        self.progress.setVisible(False)
        self.info.setText("<br>".join(describe(rep)))
        self.table.setRowCount(len(rep.classes))
        for r, c in enumerate(rep.classes):
            for col, text in enumerate((c.label, str(c.files), _duration(c.duration_s))):
                it = QTableWidgetItem(text)
                if col:
                    it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, col, it)
        self.warnings.setText("\n".join(f"⚠ {w}" for w in rep.warnings))
        self.warnings.setVisible(bool(rep.warnings))
        self.unreadable.clear()
        self.unreadable.addItems([f"{p}: {why}" for p, why in rep.unreadable])
        for w in (self.unreadable_label, self.unreadable):
            w.setVisible(bool(rep.unreadable))

    def show_error(self, message: str) -> None:
        self.report = None
        self.progress.setVisible(False)
        self.table.setRowCount(0)
        self.info.setText("")
        self.error.setText(message)
        self.error.setVisible(True)
