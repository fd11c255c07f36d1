"""The main window's file dialogs, exports and About box (a mixin of MainWindow)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from audioclf.checkpoint import default_model_path
from audioclf.gui import dialogs, export
from audioclf.gui import settings as st


class FileDialogs:
    """Dialog-driven actions; MainWindow provides settings, table, model, activity and the
    add_files, load_model and notify methods they call."""

    settings: Any
    table: Any
    model: Any
    activity: Any

    def _start_dir(self) -> str:
        recent = st.recent_files(self.settings)
        return str(Path(recent[0]).parent) if recent else str(Path.home())

    def open_audio_dialog(self) -> None:
        files = dialogs.open_audio(self, self._start_dir())
        if files:
            self.add_files(files)

    def open_folder_dialog(self) -> None:
        folder = dialogs.open_folder(self, self._start_dir())
        if folder:
            self.add_files([folder])

    def open_model_dialog(self) -> None:
        path = dialogs.open_model(self, str(Path(self.model.path).parent) if self.model else "")
        if path:
            self.load_model(path)

    def export(self, path: str, what: str = "table") -> None:
        rows = [r.result for r in self.table.rows_in_view_order() if r.result is not None]
        try:
            export.write_export(path, rows, what)
        except OSError as exc:
            self.notify(f"{path}: could not write ({exc.strerror or exc})")
            return
        self.activity.setText(f"Exported {len(rows)} rows to {path}")

    def export_table_dialog(self) -> None:
        path = dialogs.save_file(self, "Export results", "results.csv", "CSV (*.csv)")
        if path:
            self.export(path, "table")

    def export_timelines_dialog(self) -> None:
        path = dialogs.save_file(self, "Export timelines", "timelines.csv",
                                 "CSV (*.csv);;JSON (*.json)")
        if path:
            self.export(path, "timelines")

    def show_about(self) -> None:
        is_default = bool(self.model) and Path(self.model.path) == default_model_path()
        dialogs.show_about(self, self.model, is_default)
