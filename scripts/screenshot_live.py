"""Screenshot of the Live view while spoken digits play into a virtual microphone.

    python scripts/screenshot_live.py [--model M] [--out docs/screenshot-live.png] [--at 7.5]

Starts Xvfb on :98 and a private PulseAudio server (both by PID, both stopped at the end),
records from its ``pipemic`` source through the normal microphone path (sounddevice ->
ALSA -> PulseAudio), plays FSDD test digits into the pipe with half a second of silence
between them, and grabs the window ``--at`` seconds after the first digit starts.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from vmic import PipeFeeder, PulseServer, digits_program

# ../shared beside the checkout (as in CI), or AUDIOCLF_FSDD
FSDD_TEST = Path(os.environ.get("AUDIOCLF_FSDD", Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "fsdd")) / "test"
DISPLAY = ":98"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None, help="default: the shipped default model")
    ap.add_argument("--out", default=str(ROOT / "docs" / "screenshot-live.png"))
    ap.add_argument("--at", type=float, default=7.5, help="seconds into the digits")
    ap.add_argument("--fsdd", default=str(FSDD_TEST))
    args = ap.parse_args()

    xvfb = subprocess.Popen(["Xvfb", DISPLAY, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pulse = PulseServer()
    feeder: PipeFeeder | None = None
    try:
        time.sleep(0.3)
        pulse.start()
        feeder = PipeFeeder(pulse.fifo).start()
        os.environ.update(pulse.env)
        os.environ.update({"PULSE_SOURCE": "pipemic", "DISPLAY": DISPLAY,
                           "QT_QPA_PLATFORM": "xcb", "AUDIOCLF_SETTINGS":
                           str(pulse.dir / "settings.ini")})
        return _shoot(args, feeder)
    finally:
        if feeder is not None:
            feeder.stop()
        pulse.stop()
        os.kill(xvfb.pid, signal.SIGTERM)
        xvfb.wait(5)


def _shoot(args: argparse.Namespace, feeder: PipeFeeder) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from audioclf.gui.live_view import LiveView

    program, _ = digits_program(Path(args.fsdd))
    app = QApplication([])
    view = LiveView(args.model)
    view.setWindowTitle("audioclf - Live")
    view.resize(1200, 720)
    view.move(40, 40)
    view.show()
    result = {"rc": 1}

    def record() -> None:
        if not view.start():
            print(f"screenshot: {view.status_label.text()}", file=sys.stderr)
            app.quit()
            return
        QTimer.singleShot(500, lambda: feeder.play(program))
        QTimer.singleShot(int(500 + args.at * 1000), grab)

    def grab() -> None:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        ok = view.grab().save(str(out))
        print(f"saved {out} ({'ok' if ok else 'FAILED'}); heard so far: "
              f"{view.heard_label.text()}; {view.status_label.text()}")
        result["rc"] = 0 if ok else 1
        view.shutdown()
        app.quit()

    QTimer.singleShot(300, record)
    app.exec()
    return result["rc"]


if __name__ == "__main__":
    raise SystemExit(main())
