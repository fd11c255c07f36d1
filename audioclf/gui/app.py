"""``audioclf-gui``: open the main window on the default model (or ``--model``), with the
bundled example clip (or the files given) already classified."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from importlib.resources import files as resource_files
from pathlib import Path


def example_clips() -> list[str]:
    """Bundled example clips (resources/examples/*.wav), sorted; empty when there are none."""
    try:
        folder = resource_files("audioclf.resources") / "examples"
        return sorted(str(p) for p in folder.iterdir()  # type: ignore[attr-defined]
                      if p.name.lower().endswith((".wav", ".flac")))
    except (FileNotFoundError, NotADirectoryError, ModuleNotFoundError):
        return []


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="audioclf-gui", description="audioclf desktop app")
    ap.add_argument("files", nargs="*", help="audio files or folders to classify at start")
    ap.add_argument("--model", help="model file (.safetensors); default: the bundled model")
    ap.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"],
                    help="compute device (default: the last choice, else auto)")
    ap.add_argument("--no-example", action="store_true", help="do not open the example clip")
    return ap.parse_known_args(argv)[0]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    from PySide6.QtCore import QTimer  # Qt is imported only when the GUI runs
    from PySide6.QtWidgets import QApplication

    from audioclf.gui import settings as st
    from audioclf.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0]])  # Qt options via QT_* env
    app.setOrganizationName(st.ORG_NAME)
    app.setApplicationName(st.APP_NAME)
    files = [str(Path(f)) for f in args.files]
    if not files and not args.no_example:
        files = example_clips()[:1]
    win = MainWindow(args.model, args.device, files=files)
    app.aboutToQuit.connect(win.shutdown)
    signal.signal(signal.SIGINT, lambda *_: win.close())  # Ctrl+C in a terminal closes cleanly
    wake = QTimer(interval=250)  # lets Python run its signal handlers during app.exec()
    wake.timeout.connect(lambda: None)
    wake.start()
    win.show()
    return int(app.exec())


if __name__ == "__main__":
    raise SystemExit(main())
