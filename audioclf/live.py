"""Live classification engine (Qt-free): a worker thread from audio source to timeline points.

:class:`LiveSession` owns one worker thread. Every ``poll_s`` (25 ms) it drains its source (a
microphone's ring buffer, or an array/file for tests and benchmarks), converts the frames to
mono at the model's rate, pushes them into a :class:`~audioclf.inference.StreamingClassifier`
and publishes a :class:`LiveUpdate`: only the new spectrogram columns (dB) and the new
timeline points (one per completed 0.1 s hop; the model runs once per hop). Updates go to an optional callback (called in the worker thread) and to a
bounded queue that a UI timer drains with :meth:`LiveSession.poll`.

When the worker falls behind, stale audio is dropped in whole hops before any work is done
on it (:attr:`LiveSession.dropped_hops`), so no backlog grows and each hop costs the same
however long the stream runs; timeline times then skip ahead by the dropped time.

Times are seconds since the start of the stream, as for files: with no drops, the points
equal ``Classifier.classify_array`` on the same samples.
"""

from __future__ import annotations

import math
import os
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from audioclf.audio.capture import MicCapture, StreamConverter, find_device
from audioclf.audio.io import load, write_audio
from audioclf.audio.recorder import StreamRecorder
from audioclf.audio.ringbuffer import RingBuffer
from audioclf.errors import AudioclfError
from audioclf.inference import TIMELINE_HOP_S, Classifier, StreamingClassifier
from audioclf.segments import Segment, Segmenter

HISTORY_S = 300.0  # seconds of model-rate audio kept for "Save recording"
MAX_BACKLOG_HOPS = 4  # more unprocessed audio than this is dropped, in whole hops
QUEUE_LEN = 512  # updates kept for poll() (about 12 s at one update per poll)
POLL_S = 0.025  # how often the worker drains a real-time source (new columns this often)


class Source(Protocol):
    """Where live frames come from."""

    rate: int  # Hz of the frames read
    realtime: bool  # True: frames arrive with the clock; False: as fast as they are read

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def read(self) -> np.ndarray | None:
        """Frames (n, C) or (n,) available now; None when the source has ended."""
    def check(self) -> None:
        """Raise AudioclfError when the source has failed."""


class MicSource:
    """A microphone (see :class:`~audioclf.audio.capture.MicCapture`)."""

    realtime = True

    def __init__(self, device: str | int | None, model_rate: int, **kw: float) -> None:
        self.capture = MicCapture(find_device(device), model_rate, **kw)  # type: ignore[arg-type]
        self.rate = self.capture.rate
        self.name = self.capture.device.name

    def start(self) -> None:
        self.capture.start()

    def stop(self) -> None:
        self.capture.stop()

    def read(self) -> np.ndarray | None:
        return self.capture.ring.read_all()

    def check(self) -> None:
        self.capture.check()


class ArraySource:
    """Mono samples as a source: paced like a microphone (``realtime``) or as fast as read.

    ``speed`` > 1 plays faster than real time while still paced; unpaced reads return
    ``block_s`` seconds each.
    """

    def __init__(self, samples: np.ndarray, rate: int, realtime: bool = False,
                 block_s: float = TIMELINE_HOP_S, speed: float = 1.0) -> None:
        self.samples = np.asarray(samples, np.float32)
        self.rate, self.realtime, self.speed = int(rate), realtime, speed
        self.block = max(1, round(block_s * rate))
        self.name = "<array>"
        self._pos = 0
        self._t0 = 0.0

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], rate: int, **kw: float) -> ArraySource:
        return cls(load(path, rate), rate, **kw)  # type: ignore[arg-type]

    def start(self) -> None:
        self._pos, self._t0 = 0, time.monotonic()

    def stop(self) -> None:
        pass

    def read(self) -> np.ndarray | None:
        if self._pos >= self.samples.size:
            return None
        if self.realtime:
            due = int((time.monotonic() - self._t0) * self.speed * self.rate)
            end = min(self.samples.size, max(self._pos, due))
        else:
            end = min(self.samples.size, self._pos + self.block)
        out = self.samples[self._pos:end]
        self._pos = end
        return out

    def check(self) -> None:
        pass


@dataclass
class LiveUpdate:
    """What one hop of the worker produced (numpy only; safe to hand to a UI)."""

    columns_db: np.ndarray  # (F, k) new log-mel columns in dB, k >= 0
    column_t0: float  # centre time (s) of the first new column
    times: np.ndarray  # (n,) new timeline points, seconds since the stream started
    probs: np.ndarray  # (n, K) their class probabilities
    segments: list[Segment] = field(default_factory=list)  # events that became final
    level_db: float = -120.0  # peak level of the new audio, dBFS
    dropped_hops: int = 0  # total hops dropped so far
    compute_ms: float = 0.0  # samples-in to probabilities-out for this hop


class LiveSession:
    """Run a classifier on a source in a worker thread; see the module docstring."""

    def __init__(self, clf: Classifier, source: Source,
                 on_update: Callable[[LiveUpdate], None] | None = None,
                 history_s: float = HISTORY_S, max_backlog_hops: int = MAX_BACKLOG_HOPS,
                 segmenter: Segmenter | None = None, poll_s: float = POLL_S,
                 recorder: StreamRecorder | None = None) -> None:
        self.clf, self.source, self.on_update = clf, source, on_update
        self.recorder = recorder  # optional: model-rate audio streamed to disk, closed at the end
        self.rate = clf.fcfg.sample_rate
        self.labels = clf.labels
        self.hop_s = TIMELINE_HOP_S
        self.poll_s = poll_s  # worker wake-up period for real-time sources, seconds
        self.max_backlog_hops = max_backlog_hops
        self.history = RingBuffer(max(1, int(history_s * self.rate)))
        self.segmenter = segmenter or Segmenter(self.labels)
        self._queue: deque[LiveUpdate] = deque(maxlen=QUEUE_LEN)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.dropped_hops = 0
        self.error: str | None = None  # one-line message when the worker failed
        self.finished = threading.Event()  # set when the worker has ended (any reason)
        self.samples_in = 0  # model-rate samples processed
        self._offset_s = 0.0  # stream time skipped by drops
        self._columns = 0  # spectrogram columns produced

    # ------------------------------------------------------------------ control
    def start(self) -> None:
        if self._thread is not None:
            raise AudioclfError("live session already started")
        self._thread = threading.Thread(target=self._run, name="audioclf-live", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout_s)

    def wait(self, timeout_s: float | None = None) -> bool:
        """Block until the worker ends (an array source ran out, an error, or stop())."""
        return self.finished.wait(timeout_s)

    @property
    def running(self) -> bool:
        return self._thread is not None and not self.finished.is_set()

    def poll(self) -> list[LiveUpdate]:
        """Take every queued update (oldest first); for a UI timer."""
        with self._lock:
            out = list(self._queue)
            self._queue.clear()
        return out

    def recording(self, last_s: float | None = None) -> np.ndarray:
        """Mono samples at the model rate heard so far (at most ``history_s``), or the last
        ``last_s`` seconds of them."""
        n = self.history.capacity if last_s is None else int(last_s * self.rate)
        return self.history.latest(n)

    # ------------------------------------------------------------------ worker
    def _run(self) -> None:
        src = self.source
        conv = StreamConverter(src.rate, self.rate)
        stream = self.clf.stream()
        hop_native = max(1, round(self.hop_s * src.rate))
        try:
            src.start()
            tick = time.monotonic()
            while not self._stop.is_set():
                frames = src.read()
                src.check()
                if frames is None:
                    tail = conv.flush()
                    if tail.size:
                        self._process(stream, tail, time.perf_counter())
                    break
                t_in = time.perf_counter()
                excess = frames.shape[0] - self.max_backlog_hops * hop_native
                if src.realtime and excess > 0:  # fell behind: drop the oldest, whole hops
                    k = math.ceil(excess / hop_native)
                    frames = frames[k * hop_native:]
                    self.dropped_hops += k
                    self._offset_s += k * self.hop_s
                if frames.shape[0]:
                    self._process(stream, conv.push(frames), t_in)
                if src.realtime:
                    tick += self.poll_s
                    now = time.monotonic()
                    if tick < now:  # late: no catch-up bursts, next tick one period from now
                        tick = now + self.poll_s
                    self._stop.wait(tick - now)
            for seg in self.segmenter.flush():
                self._publish(LiveUpdate(np.zeros((self.clf.fcfg.n_mels, 0), np.float32), 0.0,
                                         np.zeros(0), np.zeros((0, len(self.labels))), [seg],
                                         dropped_hops=self.dropped_hops))
        except AudioclfError as exc:
            self.error = str(exc)
        except Exception as exc:  # noqa: BLE001 - crosses the thread as a message (habit 5)
            self.error = " ".join(f"live audio failed: {type(exc).__name__}: {exc}".split())
        finally:
            try:
                src.stop()
                if self.recorder is not None:
                    self.recorder.close()
            finally:
                self.finished.set()

    def _process(self, stream: StreamingClassifier, mono: np.ndarray, t_in: float) -> None:
        fc = self.clf.fcfg
        frames_before = self._columns
        cols, points = stream.push(mono)
        self._columns += cols.shape[1]
        cols_db = self.clf.front.db_from_features(cols).cpu().numpy()
        compute_ms = (time.perf_counter() - t_in) * 1000.0
        self.history.write(mono)
        if self.recorder is not None:
            self.recorder.write(mono)
        self.samples_in += mono.size
        off = self._offset_s
        times = np.array([t + off for t, _ in points], np.float64)
        probs = (np.stack([p for _, p in points]) if points
                 else np.zeros((0, len(self.labels)), np.float32))
        segs: list[Segment] = []
        for t, p in zip(times, probs):
            segs += self.segmenter.push(float(t), p)
        peak = float(np.max(np.abs(mono))) if mono.size else 0.0
        col_t0 = (frames_before * fc.hop_length + fc.n_fft / 2.0) / fc.sample_rate + off
        self._publish(LiveUpdate(cols_db, col_t0, times, probs, segs,
                                 20.0 * math.log10(max(peak, 1e-6)), self.dropped_hops,
                                 compute_ms))

    def _publish(self, upd: LiveUpdate) -> None:
        with self._lock:
            self._queue.append(upd)
        if self.on_update is not None:
            self.on_update(upd)


_CLASS_NAME = re.compile(r"^[^/\\:*?\"<>|\x00-\x1f]+$")


def save_clip_to_class(dataset_dir: str | os.PathLike[str], label: str, samples: np.ndarray,
                       sample_rate: int, ext: str = ".wav") -> Path:
    """Save mono ``samples`` as ``dataset_dir/label/label_YYYYmmdd-HHMMSS[_n].wav`` (atomic)."""
    label = label.strip()
    if not label or label.startswith(".") or not _CLASS_NAME.match(label):
        raise AudioclfError(f"'{label}' is not a usable class name (no slashes, not hidden)")
    if samples.size == 0:
        raise AudioclfError("nothing recorded yet to add to a class")
    folder = Path(dataset_dir) / label
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = folder / f"{label}_{stamp}{ext}"
    n = 1
    while path.exists():
        path = folder / f"{label}_{stamp}_{n}{ext}"
        n += 1
    write_audio(path, samples, sample_rate)
    return path
