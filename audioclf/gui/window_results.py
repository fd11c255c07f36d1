"""How classification results reach the main window's widgets (a mixin of MainWindow).

The worker sends results in batches, at most every 0.1 s. A batch updates only the table's
model at once (cheap; the table repaints on its own). The rest waits for the event loop to be
idle, one stage per turn: a zero-interval single-shot timer, which Qt fires only once the
events already queued (the repaint the previous stage caused included) are handled, and
alongside the loop's other due timers. Stages are coalesced, so a file's views are drawn once
however many batches arrive while they wait:

  1. progress bar and status line (QProgressBar.setValue repaints the window synchronously);
  2. the first finished file is selected, or the selected file is redrawn when its result
     comes in: spectrogram and curves (the largest single piece of UI work), then, a turn
     later, the clip bars (FileViews.set_defer_bars, on while a batch runs).

Done in one go, these stalled the UI thread for 45-60 ms when the first results of a batch
arrived (bench/ui_stall.py). When a job ends, whatever is still pending runs at once, so the
window is complete when jobDone has been handled.

Jobs live in ``_jobs`` (id -> its table rows) until they end or the table is cleared
(``_forget_jobs``). Ids are never reused, so results and the end of a job no longer there are
dropped: after File > Clear, its rows are gone (or, after a new drop, numbered afresh).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer, Slot


class ResultsFlow:
    """MainWindow provides table, views, progress, activity, actions_ and show_row, and
    calls _init_results_flow before the worker's signals are connected."""

    table: Any
    views: Any
    progress: Any
    activity: Any
    actions_: Any
    _jobs: dict[int, list[int]]
    _done: int
    _total: int
    show_row: Callable[[int], None]

    def _init_results_flow(self) -> None:
        self._stage_timer = QTimer(self, singleShot=True, interval=0)  # type: ignore[call-overload]
        self._stage_timer.setObjectName("results-stages")
        self._stage_timer.timeout.connect(self._next_stage)
        self._progress_due = False
        self._select_due: int | None = None  # first finished row, shown when none is selected
        self._redraw_due = False  # the selected row's result came in

    @Slot(int, object)
    def _on_items(self, job: int, items: list) -> None:  # type: ignore[type-arg]
        if job not in self._jobs:  # cleared away (cancelled; it stops at its next step)
            return
        src = self.table.source
        for it in items:
            src.set_result(it.row, it.result, it.feature_config)
        rows = [it.row for it in items]
        src.changed(min(rows), max(rows))
        self._done += len(items)
        self._progress_due = True
        sel = self.table.selected_source_row()
        if sel is None and self._select_due is None:
            self._select_due = rows[0]
        elif sel is not None and sel in rows:
            self._redraw_due = True
        if not self._stage_timer.isActive():
            self._stage_timer.start()

    def _next_stage(self) -> bool:
        """Run the first pending stage; True when one ran (the timer is then restarted)."""
        if self._progress_due:
            self._progress_due = False
            self._show_progress()
        elif self._select_due is not None:
            row, self._select_due = self._select_due, None
            if self.table.selected_source_row() is None:
                self.table.select_source_row(row)  # shows it (rowSelected -> show_row)
        elif self._redraw_due:
            self._redraw_due = False
            sel = self.table.selected_source_row()
            if sel is not None:
                self.show_row(sel)
        else:
            return False
        if self._progress_due or self._select_due is not None or self._redraw_due:
            self._stage_timer.start()
        return True

    def _flush_stages(self) -> None:
        self._stage_timer.stop()
        while self._next_stage():
            self._stage_timer.stop()

    def _forget_jobs(self) -> None:
        """The table is being cleared: its rows, and the jobs filling them, are gone; what
        those jobs still send is ignored. The caller cancels them in the worker."""
        self._stage_timer.stop()
        self._progress_due, self._select_due, self._redraw_due = False, None, False
        self._jobs.clear()
        self._done = self._total = 0

    @Slot(int, bool)
    def _on_job_done(self, job: int, cancelled: bool) -> None:
        if job not in self._jobs:  # cleared away: its rows are gone
            return
        self._progress_due = False  # shown below
        self._flush_stages()
        rows = self._jobs.pop(job, [])
        if cancelled and rows:
            left = [r for r in rows if self.table.source.rows[r].state == "queued"]
            self.table.source.mark(rows, "cancelled")
            self.table.source.changed(min(rows), max(rows))
            self._done += len(left)
        if not self._jobs:
            self._done = self._total = 0
        self._show_progress()

    def _show_progress(self) -> None:
        busy = bool(self._jobs)
        self.views.set_defer_bars(busy)  # bars a turn after the plots while results stream in
        self.progress.setVisible(busy)
        self.actions_.cancel.setEnabled(busy)
        if busy:
            self.progress.setRange(0, self._total)
            self.progress.setValue(self._done)
            self.activity.setText(f"Classifying {self._done}/{self._total} files…")
        else:
            n = len(self.table.source.rows)
            self.activity.setText(f"{n} file{'s' * (n != 1)} classified" if n else "Ready")
