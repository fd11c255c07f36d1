"""Soak the live path: a long stream through LiveSession, paced faster than real time.

    python bench/soak_live.py [--model M] [--minutes 30] [--speed 20] [--no-record]

Unlike ``live_latency.py --only memory`` (unpaced: the engine never needs to drop), the
source here is paced like a microphone running ``--speed`` times faster than the clock, and
the worker polls ``--speed`` times more often, so the drop-when-behind logic is live: a
worker that cannot keep up shows as dropped hops and a growing backlog. Printed: RSS at
start/middle/end, dropped hops, the largest backlog seen by the worker (in hops), the sizes
of the bounded buffers (history ring, update queue) and, with recording on (the default),
the recorder's file, so memory stays flat while a recording streams to disk.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from live_latency import LoopSource, program, rss_mb

from audioclf.audio.recorder import StreamRecorder
from audioclf.errors import AudioclfError
from audioclf.inference import TIMELINE_HOP_S, Classifier
from audioclf.live import POLL_S, LiveSession, LiveUpdate


class PacedLoopSource(LoopSource):
    """The looped clip, delivered as a microphone would at ``speed`` x real time."""

    def __init__(self, clip: np.ndarray, rate: int, total_s: float, speed: float) -> None:
        super().__init__(clip, rate, total_s)
        self.realtime = True  # ArraySource sets an instance attribute; paced, drops allowed
        self.speed = speed
        self.max_backlog = 0  # most frames waiting at one read

    def start(self) -> None:
        super().start()
        self.done = 0

    def read(self) -> np.ndarray | None:
        if self.done >= self.total:
            return None
        due = min(self.total, int((time.monotonic() - self._t0) * self.speed * self.rate))
        n = max(0, due - self.done)
        self.max_backlog = max(self.max_backlog, n)
        idx = (self.done + np.arange(n)) % self.samples.size
        self.done += n
        return self.samples[idx]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None)
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--speed", type=float, default=20.0, help="x real time")
    ap.add_argument("--no-record", action="store_true", help="do not stream to a WAV file")
    args = ap.parse_args()
    try:
        clf = Classifier.from_file(args.model, "cpu")
    except AudioclfError as exc:
        print(f"soak_live: {exc} (pass --model)", file=sys.stderr)
        return 1
    rate = clf.fcfg.sample_rate
    total_s = args.minutes * 60.0
    n_hops = int(total_s / TIMELINE_HOP_S)
    src = PacedLoopSource(program(rate), rate, total_s, args.speed)
    tmp = tempfile.TemporaryDirectory()
    rec = None if args.no_record else StreamRecorder(Path(tmp.name) / "soak.wav", rate)
    marks: dict[str, float] = {}
    seen = [0]

    def on(u: LiveUpdate) -> None:
        seen[0] += u.times.size
        if "start" not in marks and seen[0] >= 50:
            marks["start"] = rss_mb()
        elif "middle" not in marks and seen[0] >= n_hops // 2:
            marks["middle"] = rss_mb()

    sess = LiveSession(clf, src, on_update=on, poll_s=POLL_S / args.speed, recorder=rec)
    t0 = time.perf_counter()
    sess.start()
    sess.wait()
    wall = time.perf_counter() - t0
    marks["end"] = rss_mb()
    hop = max(1, round(TIMELINE_HOP_S * rate))
    print(f"model: {args.model or 'default'}; {len(clf.labels)} classes, {rate} Hz")
    print(f"soak: {args.minutes:g} min of audio in {wall:.0f} s ({total_s / wall:.1f}x real time, "
          f"paced at {args.speed:g}x), {seen[0]} timeline points of {n_hops} expected"
          + (f", error: {sess.error}" if sess.error else ""))
    print(f"RSS: start {marks.get('start', float('nan')):.1f} MB, middle "
          f"{marks.get('middle', float('nan')):.1f} MB, end {marks['end']:.1f} MB")
    print(f"dropped hops: {sess.dropped_hops}; largest backlog at a read: "
          f"{src.max_backlog / hop:.1f} hops (drop threshold {sess.max_backlog_hops})")
    print(f"bounded buffers: history {sess.history.capacity / rate:.0f} s, update queue "
          f"{len(sess._queue)}/{sess._queue.maxlen} (never drained here)")
    if rec is not None:
        size = (Path(tmp.name) / "soak.wav").stat().st_size
        print(f"recording: {rec.frames / rate:.0f} s streamed to disk ({size / 2**20:.1f} MB), "
              f"flushed every {rec.flush_s:g} s")
    tmp.cleanup()
    return 0 if sess.error is None else 1


if __name__ == "__main__":
    raise SystemExit(main())
