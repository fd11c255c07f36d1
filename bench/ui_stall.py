"""UI responsiveness while a batch is classified through the main window.

Generates N synthetic clips (tones, chirps, noise; 0.3-3 s, 16 kHz) in a temp folder, opens
the main window (offscreen unless QT_QPA_PLATFORM says otherwise), queues them all at once,
and measures how late a 10 ms QTimer on the UI thread fires while the worker thread decodes,
computes features and classifies. The first finished file is shown as it arrives; with
--browse it also selects another row every 0.5 s, so the lateness includes redrawing the
spectrogram, curves and bars. Prints max and p99 lateness (goal: max
< 50 ms). A control measurement with the window idle comes first: on a machine shared
with other work, the scheduler alone delays the UI thread, and the control shows how much.

    .venv/bin/python bench/ui_stall.py [--model PATH] [--files 200] [--device cpu]

Without --model it uses the default model when present, else trains a tiny model on
synthetic data first (a few seconds).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

TICK_MS = 10
GOAL_MS = 50.0


def make_clips(folder: Path, n: int, sr: int = 16000, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        dur = rng.uniform(0.3, 3.0)
        t = np.arange(int(dur * sr)) / sr
        kind = i % 3
        if kind == 0:
            x = np.sin(2 * np.pi * rng.uniform(300, 900) * t)
        elif kind == 1:
            x = np.sin(2 * np.pi * (400 * t + rng.uniform(500, 1500) * t**2 / dur))
        else:
            x = rng.standard_normal(t.size) / 3
        p = folder / f"clip_{i:03d}.wav"
        sf.write(p, (0.4 * x).astype(np.float32), sr)
        out.append(str(p))
    return out


def tiny_model(folder: Path) -> str:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from synth import make_dataset

    from audioclf.config import FeatureConfig, ModelConfig, TrainConfig
    from audioclf.training import Trainer

    out = folder / "tiny.safetensors"
    tr = Trainer(make_dataset(folder / "synth", per_class=10), out,
                 TrainConfig(epochs=4, batch_size=16, val_fraction=0.2, device="cpu"),
                 FeatureConfig.for_sample_rate(8000, n_mels=32),
                 ModelConfig(conv_channels=(8, 16), hidden_size=32, window_s=1.0))
    for _ in tr.run():
        pass
    return str(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model")
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--idle-s", type=float, default=2.0,
                    help="seconds of the same measurement with no work first (control)")
    ap.add_argument("--browse", action="store_true",
                    help="also select another finished row every 0.5 s (redraws the views)")
    args = ap.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QElapsedTimer, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from audioclf.checkpoint import default_model_path
    from audioclf.gui.main_window import MainWindow
    from audioclf.gui.settings import open_settings

    tmp = Path(tempfile.mkdtemp(prefix="audioclf-bench-"))
    model = args.model or (str(default_model_path()) if default_model_path().exists()
                           else tiny_model(tmp))
    paths = make_clips(tmp, args.files)
    app = QApplication.instance() or QApplication([])
    win = MainWindow(model, args.device, settings=open_settings(str(tmp / "s.ini")))
    win.resize(1180, 780)
    win.show()
    while win.model is None:
        app.processEvents()
        if win.notice.isVisible():
            print("model failed:", win.notice.text())
            return 2
        time.sleep(0.01)

    clock = QElapsedTimer()
    clock.start()
    late: list[float] = []
    idle: list[float] = []  # control: the same timer with the window open and no work
    state = {"prev": 0.0, "measuring": False, "idle": False, "t_start": 0.0, "t_end": 0.0, "next_sel": 0.0}

    def tick() -> None:
        now = clock.nsecsElapsed() / 1e6
        if state["idle"]:
            idle.append(max(0.0, now - state["prev"] - TICK_MS))
        if state["measuring"]:
            late.append(max(0.0, now - state["prev"] - TICK_MS))
            if args.browse and now >= state["next_sel"]:  # browse like a user: select another finished row
                done = [i for i, r in enumerate(win.table.source.rows) if r.state == "done"]
                if done:
                    win.table.select_source_row(done[len(late) % len(done)])
                state["next_sel"] = now + 500
            if not win._jobs:
                state["measuring"], state["t_end"] = False, now
                app.quit()
        state["prev"] = now

    timer = QTimer(timerType=Qt.TimerType.PreciseTimer, interval=TICK_MS)
    timer.timeout.connect(tick)
    timer.start()

    def go() -> None:
        state["idle"] = False
        state["t_start"] = clock.nsecsElapsed() / 1e6
        state["next_sel"] = state["t_start"] + 500
        state["measuring"] = True
        win.add_files(paths)

    QTimer.singleShot(300, lambda: state.update(idle=True))
    QTimer.singleShot(300 + int(args.idle_s * 1000), go)
    app.exec()
    win.close()
    rows = win.table.source.rows
    errors = sum(r.state != "done" for r in rows)
    secs = (state["t_end"] - state["t_start"]) / 1000
    a = np.array(late)
    print(f"ui_stall: {len(rows)} files ({errors} errors) classified in {secs:.2f} s "
          f"({len(rows) / secs:.0f} files/s) with model {Path(model).name} on {args.device}"
          f"{' (browsing)' if args.browse else ''}; load average {os.getloadavg()[0]:.1f}")
    print(f"  10 ms timer lateness over {a.size} ticks: max {a.max():.1f} ms, "
          f"p99 {np.percentile(a, 99):.1f} ms, median {np.median(a):.1f} ms "
          f"({'OK' if a.max() < GOAL_MS else 'ABOVE'} goal max < {GOAL_MS:.0f} ms)")
    if idle:
        b = np.array(idle)
        print(f"  control, same window idle for {args.idle_s:.0f} s ({b.size} ticks): "
              f"max {b.max():.1f} ms, p99 {np.percentile(b, 99):.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
