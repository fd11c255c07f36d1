"""The results table: one row per file, filled progressively, sortable."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from audioclf.config import FeatureConfig
from audioclf.gui.export import top3_text
from audioclf.inference import FileFailure, FileResult

COLUMNS = ("File", "Duration (s)", "Top class", "Confidence", "Top 3")
SORT_ROLE = Qt.ItemDataRole.UserRole
ERROR_COLOR = QColor("#c0392b")
Index = QModelIndex | QPersistentModelIndex


@dataclass
class Row:
    path: str
    state: str = "queued"  # queued | done | error | cancelled
    result: FileResult | FileFailure | None = None
    feature_config: FeatureConfig | None = None
    # display text and sort key per column once a result is in: the view asks for them on
    # every repaint, several roles per cell, so they are worked out once (set_result)
    cells: tuple[Any, ...] | None = None
    keys: tuple[Any, ...] | None = None


def _cells(row: Row) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """(display texts, sort keys) of a row that has its result."""
    name, r = os.path.basename(row.path), row.result
    if isinstance(r, FileResult):
        top3 = top3_text(r)
        return ((name, f"{r.duration_s:.2f}", r.label, f"{r.confidence:.1%}", top3),
                (name.lower(), r.duration_s, r.label, r.confidence, top3))
    error = r.error if isinstance(r, FileFailure) else ""
    return (name, "", "error", "", error), (name.lower(), -1.0, "~" + row.state, -1.0, "")


class ResultsModel(QAbstractTableModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[Row] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt signature)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt signature)
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, col = self.rows[index.row()], index.column()
        r = row.result
        if role == Qt.ItemDataRole.DisplayRole:
            if row.cells is not None:
                return row.cells[col]
            if col == 0:
                return os.path.basename(row.path)
            return (None, "", "…" if row.state == "queued" else row.state, "", "")[col]
        if role == SORT_ROLE:
            if row.keys is not None:
                return row.keys[col]  # errors sort last
            if col == 0:
                return os.path.basename(row.path).lower()
            return (None, -1.0, "~" + row.state, -1.0, "")[col]
        if role == Qt.ItemDataRole.ToolTipRole:
            return r.error if isinstance(r, FileFailure) else row.path
        if role == Qt.ItemDataRole.ForegroundRole and row.state in ("error", "cancelled"):
            return ERROR_COLOR
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (1, 3):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    # ------------------------------------------------------------------ updates
    def add_paths(self, paths: list[str]) -> list[int]:
        first = len(self.rows)
        self.beginInsertRows(QModelIndex(), first, first + len(paths) - 1)
        self.rows.extend(Row(p) for p in paths)
        self.endInsertRows()
        return list(range(first, first + len(paths)))

    def set_result(self, row: int, result: FileResult | FileFailure,
                   fcfg: FeatureConfig | None) -> None:
        r = self.rows[row]
        r.result, r.feature_config = result, fcfg
        r.state = "error" if isinstance(result, FileFailure) else "done"
        r.cells, r.keys = _cells(r)

    def mark(self, rows: list[int], state: str) -> None:
        for i in rows:
            if self.rows[i].state == "queued":
                self.rows[i].state = state

    def changed(self, first: int, last: int) -> None:
        self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))

    def clear(self) -> None:
        self.beginResetModel()
        self.rows = []
        self.endResetModel()


class ResultsTable(QTableView):
    rowSelected = Signal(int)  # source row

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = ResultsModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.source)
        self.proxy.setSortRole(SORT_ROLE)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # drop order until a header click
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(22)
        h = self.horizontalHeader()
        h.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        h.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.selectionModel().currentRowChanged.connect(self._current_changed)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.rowSelected.emit(self.proxy.mapToSource(current).row())

    def select_source_row(self, row: int) -> None:
        idx = self.proxy.mapFromSource(self.source.index(row, 0))
        if idx.isValid():
            self.selectRow(idx.row())

    def selected_source_row(self) -> int | None:
        idx = self.currentIndex()
        return self.proxy.mapToSource(idx).row() if idx.isValid() else None

    def rows_in_view_order(self) -> list[Row]:
        return [self.source.rows[self.proxy.mapToSource(self.proxy.index(i, 0)).row()]
                for i in range(self.proxy.rowCount())]
