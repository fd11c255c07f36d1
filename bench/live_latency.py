"""Live benchmarks: per-hop latency, memory over a long stream, UI event-loop stalls.

    python bench/live_latency.py [--model M] [--minutes 30] [--ui-seconds 15] [--only latency,memory,ui]

1. latency: samples in -> probabilities out per 100 ms hop (LiveSession on CPU, hop-sized
   blocks, as a microphone delivers them): median and p99 in ms (goal p99 < 20 ms);
2. memory: a ``--minutes`` stream fed faster than real time through the same engine; RSS at
   start, middle and end (should be flat: no buffer grows with the stream);
3. ui: the GUI live view (offscreen) listening to paced audio for ``--ui-seconds`` while a
   10 ms QTimer measures its own lateness: max and p99 (goal max < 50 ms).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from audioclf.inference import TIMELINE_HOP_S, Classifier
from audioclf.live import ArraySource, LiveSession, LiveUpdate
from bench.common import FSDD

FSDD_TEST = FSDD / "test"


def program(rate: int) -> np.ndarray:
    """About 11 s of speech-like audio: spoken digits when present, else tones and noise."""
    if FSDD_TEST.is_dir():
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
        from vmic import digits_program

        return digits_program(FSDD_TEST, rate=rate)[0]
    rng = np.random.default_rng(0)
    t = np.arange(int(11 * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * 440 * t) * (rng.random(t.size) > 0.5)).astype(np.float32)


class LoopSource(ArraySource):
    """A short clip looped to ``total_s`` seconds, read one hop at a time (no big array)."""

    def __init__(self, clip: np.ndarray, rate: int, total_s: float) -> None:
        super().__init__(clip, rate)
        self.total = int(total_s * rate)
        self.done = 0

    def read(self) -> np.ndarray | None:
        if self.done >= self.total:
            return None
        idx = (self.done + np.arange(self.block)) % self.samples.size
        self.done += self.block
        return self.samples[idx]


def rss_mb() -> float:
    try:
        import psutil
    except ImportError:  # Linux without the bench extra
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")
    return psutil.Process(os.getpid()).memory_info().rss / 2**20


def bench_latency(clf: Classifier, seconds: float = 60.0) -> dict[str, float]:
    ms: list[float] = []

    def on(u: LiveUpdate) -> None:
        if u.times.size:
            ms.append(u.compute_ms)

    sess = LiveSession(clf, LoopSource(program(clf.fcfg.sample_rate), clf.fcfg.sample_rate,
                                       seconds), on_update=on)
    sess.start()
    sess.wait()
    a = np.array(ms[5:])  # after warm-up
    print(f"latency per {TIMELINE_HOP_S * 1000:.0f} ms hop (samples in -> probabilities out, "
          f"{a.size} hops, torch threads {__import__('torch').get_num_threads()}): "
          f"median {np.median(a):.2f} ms, p99 {np.percentile(a, 99):.2f} ms, max {a.max():.2f} ms")
    return {"hops": int(a.size), "median_ms": float(np.median(a)),
            "p99_ms": float(np.percentile(a, 99)), "max_ms": float(a.max())}


def bench_memory(clf: Classifier, minutes: float) -> None:
    total_s = minutes * 60.0
    marks: dict[str, float] = {}
    n_hops = int(total_s / TIMELINE_HOP_S)
    seen = [0]

    def on(u: LiveUpdate) -> None:
        seen[0] += u.times.size
        if seen[0] == 50 and "start" not in marks:
            marks["start"] = rss_mb()
        elif seen[0] >= n_hops // 2 and "middle" not in marks:
            marks["middle"] = rss_mb()

    t0 = time.perf_counter()
    sess = LiveSession(clf, LoopSource(program(clf.fcfg.sample_rate), clf.fcfg.sample_rate,
                                       total_s), on_update=on)
    sess.start()
    sess.wait()
    marks["end"] = rss_mb()
    wall = time.perf_counter() - t0
    print(f"memory over a {minutes:g}-minute stream ({seen[0]} hops in {wall:.0f} s, "
          f"{total_s / wall:.0f}x real time): RSS start {marks.get('start', 0):.1f} MB, "
          f"middle {marks.get('middle', 0):.1f} MB, end {marks['end']:.1f} MB")


def bench_ui(model: str | None, seconds: float) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from audioclf.gui.live_view import LiveView

    app = QApplication.instance() or QApplication([])
    clf_rate = Classifier.from_file(model, "cpu").fcfg.sample_rate
    clip = program(clf_rate)
    reps = int(np.ceil(seconds * clf_rate / clip.size))
    x = np.tile(clip, reps)[: int(seconds * clf_rate)]
    view = LiveView(model, source_factory=lambda r: ArraySource(x, r, realtime=True),
                    settings_path=str(Path(tempfile.mkdtemp()) / "bench.ini"),
                    compute_device="cpu")
    view.resize(1000, 650)
    view.show()
    late: list[float] = []
    clock = QElapsedTimer()
    tick = QTimer()
    tick.setInterval(10)
    last = [0.0]

    def on_tick() -> None:
        now = clock.nsecsElapsed() / 1e6
        if last[0]:
            late.append(max(0.0, now - last[0] - 10.0))
            if late[-1] > 50 and os.environ.get("BENCH_DEBUG"):
                print(f"stall {late[-1]:.0f} ms at {now / 1000:.2f} s", flush=True)
        last[0] = now

    tick.timeout.connect(on_tick)
    clock.start()
    tick.start()
    # An event loop, not a processEvents() loop: in PySide6 6.12 each processEvents() call
    # drops a reference to None, which aborts the interpreter after a few thousand calls.
    view.recording_changed.connect(lambda on: None if on else app.quit())
    view.record_action.trigger()
    app.exec()
    tick.stop()
    a = np.array(late[20:])
    if os.environ.get("BENCH_DEBUG"):
        print("worst ticks (index, ms):", sorted(enumerate(late), key=lambda x: -x[1])[:5])
    print(f"UI event loop while live ({seconds:g} s, {view.plots.draws} redraws, "
          f"{view.plots.draws / seconds:.0f} fps): 10 ms timer lateness max {a.max():.1f} ms, "
          f"p99 {np.percentile(a, 99):.1f} ms, median {np.median(a):.1f} ms")
    view.shutdown()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None)
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--latency-seconds", type=float, default=60.0)
    ap.add_argument("--ui-seconds", type=float, default=15.0)
    ap.add_argument("--only", default="latency,memory,ui")
    args = ap.parse_args()
    which = set(args.only.split(","))
    clf = Classifier.from_file(args.model, "cpu")
    print(f"model: {args.model or 'default'}; {len(clf.labels)} classes, "
          f"{clf.fcfg.sample_rate} Hz, window {clf.window} frames")
    if "latency" in which:
        bench_latency(clf, args.latency_seconds)
    if "memory" in which:
        bench_memory(clf, args.minutes)
    if "ui" in which:
        bench_ui(args.model, args.ui_seconds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
