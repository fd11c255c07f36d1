"""Issue 8 actions, kept out of the main window: Model > Export model..., File > Export
detections..., Help > Show log.

The model export runs in a plain worker thread (a Future polled by a UI-thread timer, so no
Qt object is touched off the UI thread); detections are computed from results already in
the table (no model call), so they are written directly.
"""

from __future__ import annotations

import concurrent.futures
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import QMenu

from audioclf.gui import dialogs

if TYPE_CHECKING:
    from audioclf.gui.main_window import MainWindow

MODEL_FILTERS = {"ONNX (*.onnx)": "onnx", "TorchScript (*.pt)": "torchscript"}
DETECTION_FILTERS = {"CSV table (*.csv)": "csv", "Audacity label track (*.txt)": "audacity",
                     "Raven selection table (*.selections.txt)": "raven"}
POLL_MS = 100


def _menu(w: MainWindow, title: str) -> QMenu | None:
    for a in w.menuBar().actions():
        if a.text().replace("&", "") == title and a.menu() is not None:
            return a.menu()  # type: ignore[return-value]
    return None


class EcosystemActions:
    """Creates the three actions and puts them in the window's existing menus."""

    def __init__(self, w: MainWindow) -> None:
        self.w = w
        self.export_model = QAction("E&xport model...", w)
        self.export_model.setToolTip("Save the model for ONNX Runtime or TorchScript: raw "
                                     "audio in, probabilities out (with a labels JSON)")
        self.export_model.triggered.connect(lambda: self.export_model_dialog())
        self.export_detections = QAction("Export &detections...", w)
        self.export_detections.setToolTip("Save detected events (start, end, class) as CSV, "
                                          "an Audacity label track or a Raven selection table")
        self.export_detections.triggered.connect(lambda: self.export_detections_dialog())
        self.show_log = QAction("Show &log", w)
        self.show_log.setToolTip("Open audioclf's log file")
        self.show_log.triggered.connect(lambda: self.open_log())
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        self._pending: concurrent.futures.Future[tuple[Path, Path]] | None = None
        self._timer = QTimer(w, interval=POLL_MS)
        self._timer.timeout.connect(self._poll)
        f, m, h = _menu(w, "File"), _menu(w, "Model"), _menu(w, "Help")
        if f is not None:
            before = w.actions_.clear if w.actions_.clear in f.actions() else None
            f.insertAction(before, self.export_detections)  # type: ignore[arg-type]
        if m is not None:
            m.addAction(self.export_model)
        if h is not None:
            h.insertAction(h.actions()[0] if h.actions() else None,  # type: ignore[arg-type]
                           self.show_log)

    # ------------------------------------------------------------------ model export
    def export_model_dialog(self) -> None:
        w = self.w
        if w.model is None:
            w.notify("No model is loaded: open one first (Model > Open model...)")
            return
        start = str(Path(w.model.path).with_suffix(".onnx").name)
        path, chosen = dialogs.QFileDialog.getSaveFileName(
            w, "Export model", start, ";;".join(MODEL_FILTERS))
        if path:
            fmt = MODEL_FILTERS.get(chosen) or ("torchscript" if path.endswith(".pt") else "onnx")
            self.export_model_to(path, fmt)

    def export_model_to(self, path: str, fmt: str) -> None:
        """Start the export in the background; the status bar reports the end."""
        from audioclf.export import export_model

        w = self.w
        if w.model is None or self._pending is not None:
            return
        self._pending = self._pool.submit(export_model, w.model.path, fmt, path)
        self.export_model.setEnabled(False)
        w.activity.setText(f"Exporting the model to {path}…")
        self._timer.start()

    def _poll(self) -> None:
        fut = self._pending
        if fut is None or not fut.done():
            return
        self._timer.stop()
        self._pending = None
        self.export_model.setEnabled(True)
        try:
            out, side = fut.result()
        except Exception as exc:  # shown to the user, and in the log with the traceback
            import logging

            logging.getLogger(__name__).exception("model export failed")
            self.w.notify(f"Model export failed: {exc}")
            return
        self.w.activity.setText(f"Exported the model to {out} (labels in {side.name})")

    @property
    def busy(self) -> bool:
        return self._pending is not None

    # ------------------------------------------------------------------ detections
    def export_detections_dialog(self) -> None:
        path, chosen = dialogs.QFileDialog.getSaveFileName(
            self.w, "Export detections", "detections.csv", ";;".join(DETECTION_FILTERS))
        if path:
            self.export_detections_to(path, DETECTION_FILTERS.get(chosen, "csv"))

    def export_detections_to(self, path: str, fmt: str, threshold: float = 0.5) -> list[Path]:
        """Detections of every classified file; CSV: one table, else one file per recording
        (``path`` itself for a single recording, else next to it, named after each)."""
        from audioclf.detections import detect, output_path, write_detections
        from audioclf.inference import FileResult

        w = self.w
        rows = [r for r in w.table.rows_in_view_order() if isinstance(r.result, FileResult)]
        if not rows:
            w.notify("Nothing to export yet: classify some files first")
            return []
        items = []
        for r in rows:
            res = r.result
            assert isinstance(res, FileResult)
            items.append((res.path, detect(res.times, res.timeline, res.labels, res.duration_s,
                                           threshold=threshold)))
        fc = rows[0].feature_config
        band = (fc.f_min, fc.top_hz) if fc is not None else (0.0, 0.0)
        try:
            if fmt == "csv" or len(items) == 1:
                write_detections(path, fmt, items, band)
                written = [Path(path)]
            else:
                written = []
                for item in items:
                    target = output_path(item[0], Path(path).parent, fmt)
                    write_detections(target, fmt, [item], band)
                    written.append(target)
        except OSError as exc:
            w.notify(f"{path}: could not write ({exc.strerror or exc})")
            return []
        n = sum(len(d) for _, d in items)
        where = written[0] if len(written) == 1 else f"{len(written)} files in {Path(path).parent}"
        w.activity.setText(f"Exported {n} detections to {where}")
        return written

    # ------------------------------------------------------------------ log
    def open_log(self) -> Path | None:
        """Open the log file in the desktop's viewer; the status bar shows where it is."""
        from audioclf.logs import setup_logging

        path = setup_logging()
        if path is None:
            self.w.notify("The log file could not be opened (see audioclf.paths.user_log_dir)")
            return None
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            self.w.notify(f"Log file: {path}")
        else:
            self.w.activity.setText(f"Log file: {path}")
        return path

    def shutdown(self) -> None:
        self._timer.stop()
        self._pool.shutdown(wait=True)
