"""Screenshot of the real window: open it on a model, drop a clip, wait, save a PNG.

Meant to run under an X server (``make screenshot`` starts Xvfb :99 and sets
DISPLAY=:99 QT_QPA_PLATFORM=xcb); works offscreen too. The clip arrives as a real drop
event (QMimeData with its URL) sent to the native window.

    python scripts/screenshot.py [--model PATH] [--clip WAV] [--out docs/screenshot.png]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CLIP = REPO / ".." / "shared" / "data" / "fsdd" / "test" / "7" / "7_george_0.wav"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="model file (default: the bundled default model)")
    ap.add_argument("--clip", default=str(DEFAULT_CLIP), help="audio file to drop")
    ap.add_argument("--out", default=str(REPO / "docs" / "screenshot.png"))
    ap.add_argument("--saliency", action="store_true", help="turn on 'Why did it say that?'")
    ap.add_argument("--size", default="1280x800")
    ap.add_argument("--timeout-s", type=float, default=60.0)
    args = ap.parse_args()
    clip = Path(args.clip).resolve()
    if not clip.is_file():
        print(f"screenshot: clip not found: {clip}", file=sys.stderr)
        return 2

    from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    from audioclf.gui.main_window import MainWindow
    from audioclf.gui.settings import open_settings

    app = QApplication([sys.argv[0]])
    settings = open_settings(str(Path(tempfile.mkdtemp()) / "settings.ini"))  # fresh choices
    win = MainWindow(args.model, "cpu", settings=settings)
    w, h = (int(v) for v in args.size.split("x"))
    win.setGeometry(0, 0, w, h)
    win.show()

    def wait(cond, what: str) -> None:  # type: ignore[no-untyped-def]
        end = time.monotonic() + args.timeout_s
        while not cond():
            app.processEvents()
            if time.monotonic() > end:
                raise SystemExit(f"screenshot: timed out waiting for {what}")
            time.sleep(0.02)

    wait(lambda: win.model is not None or win.notice.isVisible(), "the model")
    if win.model is None:
        print(f"screenshot: {win.notice.text()}", file=sys.stderr)
        return 2
    md = QMimeData()
    md.setUrls([QUrl.fromLocalFile(str(clip))])
    g = win.views.graphics
    pos = QPointF(g.mapTo(win, QPoint(g.width() // 2, g.height() // 2)))
    args_ev = (Qt.DropAction.CopyAction, md, Qt.MouseButton.LeftButton,
               Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(win.windowHandle(), QDragEnterEvent(pos, *args_ev))
    QApplication.sendEvent(win.windowHandle(), QDropEvent(pos, *args_ev))
    wait(lambda: bool(win.table.source.rows) and not win._jobs, "the result")
    row = win.table.source.rows[0]
    if row.state != "done":
        print(f"screenshot: {row.result}", file=sys.stderr)
        return 2
    if args.saliency:
        win.actions_.saliency.setChecked(True)
        win.set_saliency_visible(True)
        wait(lambda: bool(win.saliency_cache), "the saliency map")
    end = time.monotonic() + 0.5  # let the last paints land
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    shot = win.screen().grabWindow(win.winId()) if app.platformName() == "xcb" else win.grab()
    if not shot.save(str(out)):
        print(f"screenshot: could not write {out}", file=sys.stderr)
        return 1
    print(f"screenshot: {out} ({shot.width()}x{shot.height()}); {Path(row.path).name}: "
          f"{row.result.label} {row.result.confidence:.0%}")  # type: ignore[union-attr]
    win.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
