"""``audioclf-gui``: open the main window on the default model (or ``--model``), with the
bundled example clip (or the files given) already classified."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from importlib.resources import files as resource_files
from pathlib import Path

SMOKE_TIMEOUT_MS = 120_000  # --smoke-test gives up after this
APP_ID = "io.github.audioclf.Audioclf"  # desktop entry, AppStream id and icon name


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
    ap.add_argument("--smoke-test", action="store_true",
                    help="start, load the model, print one line and quit (0: loaded)")
    return ap.parse_known_args(argv)[0]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    from audioclf.logs import setup_logging

    setup_logging(stderr_level=logging.INFO)  # user log dir file + stderr (audioclf.logs)
    from audioclf.allocator import retain_freed_memory

    retain_freed_memory()  # the workers' batches reuse freed memory (audioclf.allocator)
    from PySide6.QtCore import QTimer  # Qt is imported only when the GUI runs
    from PySide6.QtWidgets import QApplication

    from audioclf.gui import settings as st
    from audioclf.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0]])  # Qt options via QT_* env
    app.setOrganizationName(st.ORG_NAME)
    app.setApplicationName(st.APP_NAME)
    app.setDesktopFileName(APP_ID)  # packaging/<APP_ID>.desktop: taskbar icon, grouping
    icon = resource_files("audioclf.resources") / "icons" / "audioclf.svg"
    if icon.is_file():
        from PySide6.QtGui import QIcon

        app.setWindowIcon(QIcon(str(icon)))
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
    if args.smoke_test:
        _smoke_test(app, win)
    return int(app.exec())


def _smoke_test(app, win) -> None:  # type: ignore[no-untyped-def]
    """Quit once the model has loaded (exit 0) or failed (1); 2 after SMOKE_TIMEOUT_MS."""
    from PySide6.QtCore import QTimer

    def done(code: int, line: str) -> None:
        print(f"smoke-test: {line}", flush=True)
        win.close()
        app.exit(code)

    win.host.modelLoaded.connect(
        lambda info: done(0, f"model loaded: {info.name} ({len(info.labels)} classes: "
                             f"{', '.join(info.labels)}) from {info.path}"))
    win.host.modelFailed.connect(lambda msg: done(1, f"model failed: {msg}"))
    QTimer.singleShot(SMOKE_TIMEOUT_MS, lambda: done(2, "timed out waiting for the model"))


if __name__ == "__main__":
    raise SystemExit(main())
