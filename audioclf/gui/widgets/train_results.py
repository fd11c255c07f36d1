"""Results of a training run: validation accuracy, per-class precision/recall/F1, the
confusion matrix; a clicked cell lists its clips, a selected clip shows its spectrogram and
probabilities (the main window's views) and can be played."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from audioclf.config import FeatureConfig
from audioclf.gui import settings as st
from audioclf.gui.train_worker import TrainOutcome, ValClip
from audioclf.gui.widgets.player import Player
from audioclf.gui.widgets.train_confusion import ConfusionView
from audioclf.gui.widgets.views import FileViews


class TrainResults(QWidget):
    clipSelected = Signal(str)  # path: the panel asks the worker for its analysis
    message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel("No results yet.")
        self.summary.setWordWrap(True)
        self.metrics = QTableWidget(0, 5)
        self.metrics.setHorizontalHeaderLabels(["Class", "Precision", "Recall", "F1", "Clips"])
        self.metrics.verticalHeader().setVisible(False)
        self.metrics.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.metrics.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.metrics.horizontalHeader().setStretchLastSection(True)
        self.confusion = ConfusionView()
        self.confusion.setMinimumSize(260, 240)
        self.cell_label = QLabel("Click a cell of the matrix to list its clips.")
        self.cell_label.setWordWrap(True)
        self.clips = QListWidget()
        self.views = FileViews((st.DB_TOP - st.DEFAULT_DB_RANGE, st.DB_TOP), st.DEFAULT_COLORMAP)
        self.views.setMinimumHeight(200)
        self.player = Player(self)
        self.play = QPushButton("Play")
        self.play.setToolTip("Play the selected clip")
        self.play.setEnabled(False)
        self.play.clicked.connect(self.player.toggle)
        self.player.playingChanged.connect(lambda on: self.play.setText("Pause" if on else "Play"))
        self.player.positionChanged.connect(self.views.set_cursor)
        self.player.failed.connect(self.message)
        self.views.seekRequested.connect(self.player.seek)

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.summary)
        ll.addWidget(self.metrics, 1)
        mid = QWidget()
        ml = QVBoxLayout(mid)
        ml.setContentsMargins(0, 0, 0, 0)
        ml.addWidget(self.confusion, 1)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.cell_label)
        rl.addWidget(self.clips, 1)
        top = QSplitter(Qt.Orientation.Horizontal)
        for w in (left, mid, right):
            top.addWidget(w)
        top.setSizes([330, 330, 220])
        bottom = QWidget()
        bl = QVBoxLayout(bottom)
        bl.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.play)
        row.addStretch(1)
        bl.addLayout(row)
        bl.addWidget(self.views, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setSizes([300, 260])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split)
        self.confusion.cellClicked.connect(self.show_cell)
        self.clips.currentItemChanged.connect(self._clip_changed)
        self.outcome: TrainOutcome | None = None

    def warm_up(self) -> None:
        """Render once off screen (glyphs, styles, plot items), so that showing the results
        the first time, right after training, is a normal repaint (bench/train_ui_stall.py)."""
        self.grab()

    def clear(self) -> None:
        self.outcome = None
        self.summary.setText("No results yet.")
        self.metrics.setRowCount(0)
        self.clips.clear()
        self.player.set_source(None)
        self.play.setEnabled(False)

    def show_outcome(self, out: TrainOutcome) -> None:
        self.outcome = out
        self.clips.clear()
        if out.model_path is None:
            self.summary.setText("No model was saved: training stopped before the first epoch "
                                 "finished.")
            self.metrics.setRowCount(0)
            return
        acc = "n/a" if out.best_val_acc is None else f"{out.best_val_acc:.1%}"
        how = "cancelled; best model so far kept" if out.cancelled else "finished"
        self.summary.setText(
            f"<b>Validation accuracy {acc}</b> (best epoch {out.best_epoch}; {out.epochs_run} "
            f"epochs run in {out.elapsed_s:.0f} s, {how})<br>Model: {out.model_path}"
            + (f"<br>{len(out.skipped)} files skipped" if out.skipped else ""))
        rep = out.report
        if rep is None:
            self.metrics.setRowCount(0)
            self.cell_label.setText("No validation split (validation fraction 0).")
            return
        self.metrics.setRowCount(len(rep["labels"]))
        for r, lab in enumerate(rep["labels"]):
            pc = rep["per_class"][lab]
            cells = [lab, f"{pc['precision']:.3f}", f"{pc['recall']:.3f}", f"{pc['f1']:.3f}",
                     str(pc["support"])]
            for c, text in enumerate(cells):
                it = QTableWidgetItem(text)
                if c:
                    it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.metrics.setItem(r, c, it)
        self.confusion.set_matrix(np.asarray(rep["confusion"]), rep["labels"])
        self.cell_label.setText(f"{rep['n']} validation clips. Click a cell of the matrix to "
                                "list its clips.")

    def cell_clips(self, true: int, pred: int) -> list[ValClip]:
        if self.outcome is None:
            return []
        return [c for c in self.outcome.clips if c.true == true and c.pred == pred]

    def show_cell(self, true: int, pred: int) -> None:
        assert self.outcome is not None
        labs = self.outcome.labels
        found = self.cell_clips(true, pred)
        self.cell_label.setText(f"True <b>{labs[true]}</b>, predicted <b>{labs[pred]}</b>: "
                                f"{len(found)} clip{'s' * (len(found) != 1)}")
        self.clips.clear()
        for c in found:
            it = QListWidgetItem(f"{Path(c.path).name}  ({c.probs[c.pred]:.0%} {labs[c.pred]})")
            it.setData(Qt.ItemDataRole.UserRole, c.path)
            it.setToolTip(c.path)
            self.clips.addItem(it)

    def _clip_changed(self, cur: QListWidgetItem | None, _prev: object) -> None:
        if cur is not None:
            self.clipSelected.emit(cur.data(Qt.ItemDataRole.UserRole))

    def show_clip(self, result, fcfg: FeatureConfig) -> None:  # type: ignore[no-untyped-def]
        """A FileResult for the selected clip, from the worker."""
        self.views.show_result(result, fcfg)
        self.player.set_source(result.path)
        self.play.setEnabled(True)
