"""The main window: files in, results table and views out; all model work in the worker."""

from __future__ import annotations

import gc
import os
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, QTimer, Slot
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QProgressBar,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from audioclf.device import available_devices
from audioclf.gui import dialogs
from audioclf.gui import settings as st
from audioclf.gui.menus import Actions
from audioclf.gui.paths import expand_paths, refusal_message
from audioclf.gui.widgets.player import Player
from audioclf.gui.widgets.results_table import ResultsTable
from audioclf.gui.widgets.views import FileViews
from audioclf.gui.window_dialogs import FileDialogs
from audioclf.gui.window_results import ResultsFlow
from audioclf.gui.workers import ModelInfo, WorkerHost
from audioclf.inference import FileFailure, FileResult

if TYPE_CHECKING:
    from audioclf.gui.train_panel import TrainPanel  # training (issue 5)

NOTICE_MS = 12_000  # how long a notice stays up


class MainWindow(FileDialogs, ResultsFlow, QMainWindow):
    def __init__(self, model_path: str | os.PathLike[str] | None = None,
                 device: str | None = None, settings: QSettings | None = None,
                 files: list[str] | None = None) -> None:
        super().__init__()
        self.setWindowTitle("audioclf")
        self.setAcceptDrops(True)
        self.settings = settings if settings is not None else st.open_settings()
        self.model: ModelInfo | None = None
        self._model_request = os.fspath(model_path) if model_path else ""
        self.saliency_cache: dict[str, object] = {}
        self._jobs: dict[int, list[int]] = {}
        self._done = self._total = 0
        self._closed = False
        devices = available_devices()
        saved = st.get_str(self.settings, st.DEVICE, st.DEFAULT_DEVICE)
        self.device = device or (saved if saved in ["auto", *devices] else "auto")
        self.colormap = st.get_str(self.settings, st.COLORMAP, st.DEFAULT_COLORMAP)
        self.colormap = self.colormap if self.colormap in st.COLORMAPS else st.DEFAULT_COLORMAP
        self.db_range = st.get_int(self.settings, st.DB_RANGE, st.DEFAULT_DB_RANGE)

        # central area: a notice line over tabs; "Files" is the first tab (Live comes later)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setVisible(False)
        self.notice.setStyleSheet("background:#fdecea; color:#611a15; padding:6px;")
        self._notice_timer = QTimer(self, singleShot=True, interval=NOTICE_MS)
        self._notice_timer.timeout.connect(self.notice.hide)
        self.views = FileViews((st.DB_TOP - self.db_range, st.DB_TOP), self.colormap)
        self.table = ResultsTable()
        files_tab = QSplitter(Qt.Orientation.Vertical)
        files_tab.addWidget(self.views)
        files_tab.addWidget(self.table)
        files_tab.setSizes([520, 220])
        self.tabs = QTabWidget()
        self.tabs.addTab(files_tab, "Files")
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.notice)
        lay.addWidget(self.tabs, 1)
        self.setCentralWidget(central)

        self.actions_ = Actions(self)
        self.actions_.build(self, devices, self.device, self.colormap, self.db_range)
        self._recent_due: list[str] = []
        self._recent_timer = QTimer(self, singleShot=True, interval=0)  # fires once idle
        self._recent_timer.timeout.connect(self._remember_now)
        self._rebuild_recent()
        self.model_label, self.device_label, self.activity = QLabel(), QLabel(), QLabel("Ready")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setVisible(False)
        sb = self.statusBar()
        sb.addWidget(self.activity, 1)
        sb.addPermanentWidget(self.progress)
        sb.addPermanentWidget(self.model_label)
        sb.addPermanentWidget(self.device_label)
        self._set_model_labels("loading…")

        self.player = Player(self)
        self.player.positionChanged.connect(self.views.set_cursor)
        self.player.failed.connect(self.notify)
        self.views.seekRequested.connect(self.player.seek)
        self.table.rowSelected.connect(self.show_row)

        self._init_results_flow()  # results reach the widgets in stages (window_results.py)
        self.host = w = WorkerHost(self)  # its signals arrive in this (UI) thread
        w.modelLoaded.connect(self._on_model_loaded)
        w.modelFailed.connect(self._on_model_failed)
        w.itemsReady.connect(self._on_items)
        w.jobDone.connect(self._on_job_done)
        w.saliencyReady.connect(self._on_saliency)
        w.saliencyFailed.connect(self._on_saliency_failed)
        self._refuse_child_drops(self)
        geom = self.settings.value(st.GEOMETRY)
        if geom is None or not self.restoreGeometry(geom):  # type: ignore[arg-type]
            self.resize(1180, 780)
        self.host.load_model(self._model_request, self.device)
        self._add_live_view()
        self._add_training()  # issue 5
        from audioclf.gui.ecosystem import EcosystemActions  # issue 8: exports, Show log

        self.ecosystem = EcosystemActions(self)
        if files:
            self.add_files(files)

    # ------------------------------------------------------------------ live view (issue 4)
    def _add_live_view(self) -> None:
        """The Live tab and a Record toolbar action (Ctrl+R) that opens it."""
        from PySide6.QtWidgets import QToolBar

        from audioclf.gui.live_view import LiveView

        self.live = LiveView(self._model_request or None, compute_device=self.device,
                             settings=self.settings)
        self.add_tab(self.live, "Live")
        tb = self.findChild(QToolBar, "main-toolbar")
        if tb is not None:
            tb.addSeparator()
            tb.addAction(self.live.record_action)
        self.live.record_action.toggled.connect(self._show_live_tab)
        self.live.status_changed.connect(self.activity.setText)

    def _show_live_tab(self, on: bool) -> None:
        if on:
            self.tabs.setCurrentWidget(self.live)

    # ------------------------------------------------------------------ training (issue 5)
    def _add_training(self) -> None:
        """Model > Train from folder... opens the training panel (a separate window)."""
        self.train_panel: TrainPanel | None = None
        a = self.actions_.train
        a.setToolTip("Train a model on a folder with one subfolder per class")
        a.triggered.connect(lambda: self.open_train_panel())
        a.setEnabled(True)

    def open_train_panel(self, folder: str | None = None) -> QWidget | None:
        """Pick a folder (unless given), then show the panel checking it; -> the panel."""
        from audioclf.gui.train_panel import TrainPanel

        if folder is None:
            folder = dialogs.open_folder(self, self._start_dir())
            if not folder:
                return None
        p = self.train_panel
        if p is None or p._closed:
            self.train_panel = p = TrainPanel(self)
            p.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            p.modelChosen.connect(self.load_model)
        if p.state == "idle":
            p.set_folder(folder)
        p.show()
        p.raise_()
        return p

    # ------------------------------------------------------------------ tabs, drops
    def add_tab(self, widget: QWidget, title: str) -> int:
        """For later views (Live): drops anywhere on them still reach the window."""
        self._refuse_child_drops(widget)
        return self.tabs.addTab(widget, title)

    def _refuse_child_drops(self, root: QWidget) -> None:
        for child in root.findChildren(QWidget):
            child.setAcceptDrops(False)  # Qt then hands the drag to this window

    def dragEnterEvent(self, e: QDragEnterEvent) -> None:
        md = e.mimeData()
        if md.hasUrls() and any(u.isLocalFile() for u in md.urls()):
            e.acceptProposedAction()
        else:
            e.ignore()
            self.activity.setText("Only files and folders can be dropped here")

    def dragMoveEvent(self, e: QDragMoveEvent) -> None:
        if e.mimeData().hasUrls():
            e.acceptProposedAction()

    def dropEvent(self, e: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in e.mimeData().urls() if u.isLocalFile()]
        e.acceptProposedAction()
        self.add_files(paths)

    # ------------------------------------------------------------------ files in
    def add_files(self, paths: list[str]) -> list[int]:
        """Expand folders, refuse non-audio with a message, queue the rest; -> table rows."""
        audio, refused = expand_paths([os.fspath(p) for p in paths])
        if refused:
            self.notify(refusal_message(refused))
        if not audio:
            return []
        self._remember([p for p in paths if p not in refused])
        rows = self.table.source.add_paths(audio)
        job = self.host.classify(list(zip(rows, audio)))
        self._jobs[job] = rows
        if not self._total:
            self._done = 0
        self._total += len(rows)
        self._show_progress()
        return rows

    def _remember(self, paths: list[str]) -> None:
        """Add to the recent files once the event loop is idle: QSettings then writes its
        file in the UI thread, 1-20 ms on a busy disk, better not on top of add_files."""
        self._recent_due += [os.path.abspath(p) for p in paths]
        self._recent_timer.start()

    def _remember_now(self) -> None:
        self._recent_timer.stop()
        paths, self._recent_due = self._recent_due, []
        if paths:
            st.add_recent(self.settings, paths)
            self._rebuild_recent()

    def _rebuild_recent(self) -> None:
        menu = self.actions_.recent_menu
        menu.clear()
        for p in st.recent_files(self.settings):
            menu.addAction(p).setData(p)
        menu.setEnabled(bool(menu.actions()))

    def open_recent(self, path: str) -> None:
        self.add_files([path])

    def cancel_work(self) -> None:
        self.host.cancel_all()
        self.activity.setText("Cancelling…")

    def clear_results(self) -> None:
        """Empty the table and the views; running jobs are cancelled and whatever they still
        send is ignored (window_results.py), so the window is idle at once."""
        self.host.cancel_all()
        self._forget_jobs()
        self.player.set_source(None)
        self.table.source.clear()
        self.views.clear()
        self.saliency_cache.clear()
        self._show_progress()

    # ------------------------------------------------------------------ selection, views
    @Slot(int)
    def show_row(self, row: int) -> None:
        r = self.table.source.rows[row]
        if isinstance(r.result, FileResult):
            self.views.show_result(r.result, r.feature_config)
            self._update_saliency()
        elif isinstance(r.result, FileFailure):
            self.views.show_failure(r.path, r.result.error)
        else:
            return
        self.player.set_source(r.path if isinstance(r.result, FileResult) else None)

    def set_saliency_visible(self, on: bool) -> None:
        self.views.show_saliency(on)
        self._update_saliency()

    def _update_saliency(self) -> None:
        path = self.views.path
        if not self.actions_.saliency.isChecked() or path is None:
            return
        if path in self.saliency_cache:
            self.views.set_saliency(self.saliency_cache[path])  # type: ignore[arg-type]
        else:
            self.activity.setText("Working out why…")
            self.host.explain(path)

    @Slot(str, object)
    def _on_saliency(self, path: str, sal: object) -> None:
        self.saliency_cache[path] = sal
        if path == self.views.path:
            self.views.set_saliency(sal)  # type: ignore[arg-type]
        self._show_progress()

    @Slot(str, str)
    def _on_saliency_failed(self, path: str, message: str) -> None:
        self.notify(message)

    def toggle_play(self) -> None:
        self.player.toggle()

    # ------------------------------------------------------------------ model, device, view
    @Slot(object)
    def _on_model_loaded(self, info: ModelInfo) -> None:
        self.model = info
        self.saliency_cache.clear()
        self.live.set_model_path(info.path)  # live view (issue 4): next Record uses it
        self.live.compute_device = self.device
        self._set_model_labels(info.name, info.device)
        self.views.prepare(info.labels, info.feature_config)
        # Objects alive now (torch, Qt, pyqtgraph, the model) are long-lived: keep them out
        # of the garbage collector's scans, whose full passes otherwise stalled the event
        # loop for 100-300 ms in the middle of a batch (same fix as the live view).
        gc.freeze()
        a = self.actions_
        a.model_name.setText(f"{info.name} ({len(info.labels)} classes)")
        a.classes_menu.clear()
        for lab in info.labels:
            a.classes_menu.addAction(lab).setEnabled(False)
        self.activity.setText(f"Model {info.name} loaded on {info.device}")

    @Slot(str)
    def _on_model_failed(self, message: str) -> None:
        self._set_model_labels(self.model.name if self.model else "no model")
        self.notify(message)

    def _set_model_labels(self, name: str, device: str | None = None) -> None:
        self.model_label.setText(f"Model: {name}")
        self.device_label.setText(f"Device: {device or self.device}")

    def load_model(self, path: str) -> None:
        self._model_request = path
        self._set_model_labels("loading…")
        self.host.load_model(path, self.device)

    def set_device(self, name: str) -> None:
        self.device = name
        self.settings.setValue(st.DEVICE, name)
        self.load_model(self.model.path if self.model else self._model_request)

    def set_colormap(self, name: str) -> None:
        self.colormap = name
        self.settings.setValue(st.COLORMAP, name)
        self.views.set_colormap(name)

    def set_db_range(self, db: int) -> None:
        self.db_range = db
        self.settings.setValue(st.DB_RANGE, db)
        self.views.set_levels(st.DB_TOP - db, st.DB_TOP)

    def notify(self, text: str) -> None:
        """A clear, non-blocking message: the app goes on."""
        self.notice.setText(text)
        self.notice.setVisible(True)
        self._notice_timer.start()
        self.statusBar().showMessage(text, NOTICE_MS)

    # ------------------------------------------------------------------ shutdown
    def closeEvent(self, e: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(e)

    def shutdown(self) -> None:
        """Save choices, stop playback and the worker thread (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._remember_now()
        self.settings.setValue(st.GEOMETRY, self.saveGeometry())
        self.settings.sync()
        self.player.stop()
        self.live.shutdown()  # live view (issue 4): stop its worker thread
        self.ecosystem.shutdown()  # issue 8: waits for a model export in progress
        if self.train_panel is not None:  # training (issue 5): stop its worker thread
            self.train_panel.shutdown()
        self.host.shutdown()
