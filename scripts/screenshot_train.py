"""Screenshots of Model > Train from folder...: the panel mid-training (live curves) and the
results (confusion matrix, a clicked cell's clips, one clip's views) after it.

Starts its own Xvfb on :97 (by PID, killed by PID at the end) and runs Qt on it with
QT_QPA_PLATFORM=xcb; ``--no-xvfb`` uses the current DISPLAY / platform instead. CPU heavy:
it really trains (a small model, a few epochs).

    python scripts/screenshot_train.py [--data ../shared/data/fsdd/train] [--epochs 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO / ".." / "shared" / "data" / "fsdd" / "train"
DISPLAY = ":97"


def start_xvfb(size: str) -> subprocess.Popen[bytes]:
    if shutil.which("Xvfb") is None:
        raise SystemExit("screenshot_train: Xvfb not found (apt-get install xvfb)")
    proc = subprocess.Popen(["Xvfb", DISPLAY, "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    if proc.poll() is not None:
        raise SystemExit(f"screenshot_train: Xvfb {DISPLAY} did not start (display in use?)")
    os.environ["DISPLAY"] = DISPLAY
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    return proc


def run(args: argparse.Namespace) -> int:
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from audioclf.gui.train_panel import TrainPanel

    app = QApplication.instance() or QApplication([sys.argv[0]])
    panel = TrainPanel()
    w, h = (int(v) for v in args.size.split("x"))
    panel.setGeometry(0, 0, w, h)
    panel.show()

    def wait(cond, timeout_s: float) -> bool:  # type: ignore[no-untyped-def]
        end = time.monotonic() + timeout_s
        while not cond():
            if time.monotonic() > end:
                return False
            app.processEvents()
            time.sleep(0.02)
        return True

    panel.set_folder(str(Path(args.data).resolve()))
    if not wait(lambda: panel.state == "idle", args.timeout_s) or panel.report is None:
        print("screenshot_train: the folder check failed:", panel.status.text(), file=sys.stderr)
        return 1
    out_model = Path(tempfile.mkdtemp(prefix="audioclf-shot-")) / "fsdd-digits.safetensors"
    panel.params.set_values(epochs=args.epochs, batch=32, lr=5e-3, val=0.1, size=args.model_size,
                            device="cpu", out=str(out_model))
    panel.train()
    if not wait(lambda: len(panel.curves.epochs) >= args.shot_epoch or panel.state == "idle",
                args.timeout_s):
        print("screenshot_train: training too slow for --timeout-s", file=sys.stderr)
        return 1
    wait(lambda: "Epoch" in panel.status.text(), 10.0)  # the next epoch's progress line
    app.processEvents()
    Path(args.out_training).parent.mkdir(parents=True, exist_ok=True)
    panel.grab().save(args.out_training)
    print(f"saved {args.out_training} after {len(panel.curves.epochs)} epochs")
    if not wait(lambda: panel.state == "idle", args.timeout_s) or panel.outcome is None:
        print("screenshot_train: training did not finish:", panel.status.text(), file=sys.stderr)
        return 1
    wait(lambda: panel.tabs.currentIndex() == 1, 5.0)
    res = panel.results
    rep = panel.outcome.report
    if rep is not None:  # click the biggest off-diagonal cell (else the first), show a clip
        m = [[v if r != c else -1 for c, v in enumerate(row)] for r, row in enumerate(rep["confusion"])]
        r, c = max(((r, c) for r in range(len(m)) for c in range(len(m))), key=lambda rc: m[rc[0]][rc[1]])
        if m[r][c] <= 0:
            r = c = 0
        app.processEvents()
        p = res.confusion.graphics.mapFromScene(res.confusion.cell_center(r, c))
        QTest.mouseClick(res.confusion.graphics.viewport(), Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.NoModifier, QPoint(p.x(), p.y()))
        if res.clips.count():
            res.clips.setCurrentRow(0)
            want = res.clips.item(0).data(Qt.ItemDataRole.UserRole)
            wait(lambda: res.views.path == want, 20.0)
    for _ in range(10):
        app.processEvents()
        time.sleep(0.02)
    panel.grab().save(args.out_confusion)
    o = panel.outcome
    print(f"saved {args.out_confusion}: val acc {o.best_val_acc}, {o.epochs_run} epochs, "
          f"{o.elapsed_s:.0f} s")
    panel.close()
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(DEFAULT_DATA), help="labelled folder to train on")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--shot-epoch", type=int, default=2, help="grab after this many epochs")
    ap.add_argument("--model-size", default="small", choices=["small", "medium", "large"])
    ap.add_argument("--out-training", default=str(REPO / "docs" / "screenshot-train.png"))
    ap.add_argument("--out-confusion", default=str(REPO / "docs" / "screenshot-confusion.png"))
    ap.add_argument("--size", default="1280x800")
    ap.add_argument("--timeout-s", type=float, default=600.0)
    ap.add_argument("--no-xvfb", action="store_true", help="use the current display")
    args = ap.parse_args()
    xvfb = None if args.no_xvfb else start_xvfb(args.size)
    try:
        return run(args)
    finally:
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait(10)


if __name__ == "__main__":
    raise SystemExit(main())
