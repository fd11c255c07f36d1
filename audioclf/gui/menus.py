"""Menus, toolbar and shortcuts of the main window (handlers live on the window)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QStyle

from audioclf.gui import settings as st

if TYPE_CHECKING:
    from audioclf.gui.main_window import MainWindow

SK = QKeySequence.StandardKey


class Actions:
    """All actions by name, so tests and later features (training, live) can reach them."""

    def __init__(self, w: MainWindow) -> None:
        style = w.style()
        icon = style.standardIcon
        sp = QStyle.StandardPixmap

        def act(text: str, slot, shortcut=None, tip: str = "", ico=None) -> QAction:  # type: ignore[no-untyped-def]
            a = QAction(text, w)
            if shortcut is not None:
                a.setShortcut(QKeySequence(shortcut) if isinstance(shortcut, str) else shortcut)
            if ico is not None:
                a.setIcon(icon(ico))
            a.setToolTip(tip or text.replace("...", "").replace("&", ""))
            if slot is not None:
                a.triggered.connect(slot)
            return a

        self.open_audio = act("&Open audio...", w.open_audio_dialog, SK.Open,
                              "Open audio files (or drop them on the window)", sp.SP_FileIcon)
        self.open_folder = act("Open &folder...", w.open_folder_dialog, "Ctrl+Shift+O",
                               "Classify every audio file in a folder", sp.SP_DirIcon)
        self.open_model = act("Open &model...", w.open_model_dialog, "Ctrl+M",
                              "Load another model file (.safetensors)",
                              sp.SP_DialogOpenButton)
        self.export_table = act("&Export results...", w.export_table_dialog, "Ctrl+E",
                                "Save the results table as CSV", sp.SP_DialogSaveButton)
        self.export_timelines = act("Export &timelines...", w.export_timelines_dialog,
                                    "Ctrl+Shift+E", "Save probabilities over time (CSV/JSON)")
        self.clear = act("C&lear results", w.clear_results, "Ctrl+L")
        self.quit = act("&Quit", w.close, SK.Quit)
        self.train = act("&Train from folder...", None, tip="coming")
        self.train.setEnabled(False)
        self.play = act("&Play / pause", w.toggle_play, "Space", "Play the selected file",
                        sp.SP_MediaPlay)
        self.cancel = act("&Cancel", w.cancel_work, "Esc", "Stop classifying", sp.SP_BrowserStop)
        self.cancel.setEnabled(False)
        self.saliency = act("&Why did it say that?", w.set_saliency_visible, "W",
                            "Overlay the time-frequency regions that drove the top class")
        self.saliency.setCheckable(True)
        self.about = act("&About audioclf", w.show_about, SK.HelpContents)
        self.model_name = QAction("(no model)", w)
        self.model_name.setEnabled(False)
        self.device_group = QActionGroup(w)
        self.colormap_group = QActionGroup(w)
        self.db_group = QActionGroup(w)
        self.recent_menu = QMenu("&Recent files", w)
        self.classes_menu = QMenu("&Classes", w)
        self.device_menu = QMenu("&Device", w)

    def build(self, w: MainWindow, devices: list[str], device: str, colormap: str,
              db_range: int) -> None:
        mb = w.menuBar()
        f = mb.addMenu("&File")
        for a in (self.open_audio, self.open_folder, self.open_model):
            f.addAction(a)
        f.addMenu(self.recent_menu)
        self.recent_menu.triggered.connect(lambda a: w.open_recent(a.data()))
        f.addSeparator()
        for a in (self.export_table, self.export_timelines, self.clear):
            f.addAction(a)
        f.addSeparator()
        f.addAction(self.quit)

        m = mb.addMenu("&Model")
        m.setToolTipsVisible(True)
        m.addAction(self.model_name)
        m.addMenu(self.classes_menu)
        m.addSeparator()
        m.addAction(self.open_model)
        m.addAction(self.train)
        m.addMenu(self.device_menu)
        for name in ["auto", *devices]:
            a = self.device_group.addAction(name.upper() if name != "auto" else "Auto")
            a.setCheckable(True)
            a.setData(name)
            a.setChecked(name == device)
            self.device_menu.addAction(a)
        self.device_group.triggered.connect(lambda a: w.set_device(a.data()))

        v = mb.addMenu("&View")
        cm = v.addMenu("&Colour map")
        for name in st.COLORMAPS:
            a = self.colormap_group.addAction("grey" if name == "CET-L1" else name)
            a.setCheckable(True)
            a.setData(name)
            a.setChecked(name == colormap)
            cm.addAction(a)
        self.colormap_group.triggered.connect(lambda a: w.set_colormap(a.data()))
        dbm = v.addMenu("&dB range")
        for r in st.DB_RANGES:
            a = self.db_group.addAction(f"{r} dB ({st.DB_TOP - r:.0f} to {st.DB_TOP:.0f} dB)")
            a.setCheckable(True)
            a.setData(r)
            a.setChecked(r == db_range)
            dbm.addAction(a)
        self.db_group.triggered.connect(lambda a: w.set_db_range(int(a.data())))
        v.addSeparator()
        for a in (self.saliency, self.play, self.cancel):
            v.addAction(a)

        h = mb.addMenu("&Help")
        h.addAction(self.about)

        tb = w.addToolBar("Main")
        tb.setObjectName("main-toolbar")
        for a in (self.open_audio, self.open_folder, self.open_model, self.export_table):
            tb.addAction(a)
        tb.addSeparator()
        for a in (self.play, self.cancel, self.saliency):
            tb.addAction(a)
