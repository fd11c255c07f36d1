"""Turn a probability timeline into events: "what was said, when" (Qt-free, streaming).

Used by ``audioclf listen``, the GUI live view and the tests alike, so they decode the same.

Rule, applied to timeline points ``(t, probs)`` in time order:

1. a point is *confident* when its top class is not a background class and its probability
   is at least ``threshold``; other points are gaps;
2. a *run* is a maximal sequence of consecutive confident points with the same top class;
   runs shorter than ``min_points`` are flicker (a window half over a word boundary) and
   are ignored;
3. consecutive runs of the same class are collapsed into one segment when the gap between
   them (end of one to start of the next) is at most ``merge_gap_s``; a longer gap, or a run
   of another class in between, starts a new segment (so "1 ... 1" stays two events).

A segment is final once a later run of another class starts or ``merge_gap_s`` has passed
after its end, so :meth:`Segmenter.push` reports it at most ``merge_gap_s`` + one run late.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

BACKGROUND_NAMES = frozenset({"background", "_background_", "_background", "silence", "_silence_"})


@dataclass(frozen=True)
class Segment:
    """One detected event."""

    label: str
    start_s: float  # time of its first confident point (window centre), seconds
    end_s: float  # time of its last confident point, seconds
    confidence: float  # highest probability of ``label`` within the segment
    points: int  # confident points it was made of


class Segmenter:
    """Streaming decoder; see the module docstring for the rule."""

    def __init__(self, labels: Sequence[str], threshold: float = 0.4, min_points: int = 3,
                 merge_gap_s: float = 0.35, background: Iterable[str] | None = None) -> None:
        self.labels = list(labels)
        bg = BACKGROUND_NAMES if background is None else frozenset(background)
        self.background = {i for i, name in enumerate(self.labels) if name.lower() in bg}
        self.threshold = threshold  # probability a point's top class needs to count
        self.min_points = min_points  # shorter runs are ignored
        self.merge_gap_s = merge_gap_s  # same-class runs closer than this are one segment
        self._run: list[float] | None = None  # [label idx, start, end, peak, n]
        self._pending: Segment | None = None  # closed, may still merge with a next run

    def _close_run(self) -> list[Segment]:
        out: list[Segment] = []
        run, self._run = self._run, None
        if run is None or run[4] < self.min_points:
            return out
        seg = Segment(self.labels[int(run[0])], run[1], run[2], run[3], int(run[4]))
        p = self._pending
        if p is not None and p.label == seg.label and seg.start_s - p.end_s <= self.merge_gap_s:
            self._pending = Segment(p.label, p.start_s, seg.end_s, max(p.confidence, seg.confidence),
                                    p.points + seg.points)
            return out
        if p is not None:
            out.append(p)
        self._pending = seg
        return out

    def push(self, t: float, probs: np.ndarray) -> list[Segment]:
        """Add one timeline point (t seconds, probs (K,)); return segments now final."""
        k = int(np.argmax(probs))
        conf = float(probs[k])
        out: list[Segment] = []
        confident = k not in self.background and conf >= self.threshold
        if self._run is not None and (not confident or k != int(self._run[0])):
            out += self._close_run()
        if confident:
            if self._run is None:
                self._run = [float(k), t, t, conf, 0.0]
            self._run[2] = t
            self._run[3] = max(self._run[3], conf)
            self._run[4] += 1
        if (self._pending is not None and self._run is None
                and t - self._pending.end_s > self.merge_gap_s):
            out.append(self._pending)
            self._pending = None
        return out

    def flush(self) -> list[Segment]:
        """End of stream: everything still open."""
        out = self._close_run()
        if self._pending is not None:
            out.append(self._pending)
            self._pending = None
        return out


def segment_points(labels: Sequence[str], points: Iterable[tuple[float, np.ndarray]],
                   **kw: float) -> list[Segment]:
    """Decode a whole timeline [(t, probs (K,))] at once (same rule as the stream)."""
    seg = Segmenter(labels, **kw)  # type: ignore[arg-type]
    out: list[Segment] = []
    for t, p in points:
        out += seg.push(t, np.asarray(p))
    return out + seg.flush()
