"""A bounded float32 ring buffer between an audio callback (one writer) and one reader.

The writer (the audio callback) only copies samples in; it never blocks for long (the lock
is held for one or two ``memcpy``\\ s) and never allocates. When the reader falls behind by
more than the capacity, the oldest unread samples are overwritten and counted in
:attr:`RingBuffer.dropped` (the writer never waits for the reader).

Samples are frames of ``channels`` values: arrays are (n, channels), or (n,) when
``channels == 1``.
"""

from __future__ import annotations

import threading

import numpy as np


class RingBuffer:
    """Fixed-capacity FIFO of float32 frames; overflow overwrites the oldest unread frames."""

    def __init__(self, capacity: int, channels: int = 1) -> None:
        if capacity < 1 or channels < 1:
            raise ValueError("capacity and channels must be at least 1")
        self.capacity = int(capacity)  # frames
        self.channels = int(channels)
        self._data = np.zeros((self.capacity, self.channels), np.float32)
        self._lock = threading.Lock()
        self._written = 0  # frames ever written (monotonic)
        self._read = 0  # frames ever consumed or dropped (monotonic)
        self.dropped = 0  # frames overwritten before the reader got them

    # ------------------------------------------------------------------ writer side
    def write(self, x: np.ndarray) -> None:
        """Append frames (n, channels) or (n,) for mono. Overwrites the oldest on overflow."""
        x = np.asarray(x, np.float32)
        if x.ndim == 1:
            x = x[:, None]
        if x.shape[1] != self.channels:
            raise ValueError(f"expected {self.channels} channels, got {x.shape[1]}")
        n = x.shape[0]
        if n == 0:
            return
        if n > self.capacity:  # only the newest capacity frames can survive
            x = x[n - self.capacity:]
        m = x.shape[0]
        with self._lock:
            pos = (self._written + n - m) % self.capacity
            first = min(m, self.capacity - pos)
            self._data[pos:pos + first] = x[:first]
            if first < m:
                self._data[: m - first] = x[first:]
            self._written += n
            overflow = self._written - self._read - self.capacity
            if overflow > 0:
                self._read += overflow
                self.dropped += overflow

    # ------------------------------------------------------------------ reader side
    @property
    def available(self) -> int:
        """Frames written and not yet read."""
        with self._lock:
            return self._written - self._read

    @property
    def total_written(self) -> int:
        """Frames ever written (including dropped ones)."""
        return self._written

    def _copy_out(self, start: int, n: int) -> np.ndarray:
        pos = start % self.capacity
        first = min(n, self.capacity - pos)
        out = np.empty((n, self.channels), np.float32)
        out[:first] = self._data[pos:pos + first]
        if first < n:
            out[first:] = self._data[: n - first]
        return out[:, 0] if self.channels == 1 else out

    def read(self, n: int) -> np.ndarray:
        """Consume up to ``n`` of the oldest unread frames (fewer when fewer are there)."""
        with self._lock:
            n = max(0, min(int(n), self._written - self._read))
            out = self._copy_out(self._read, n)
            self._read += n
        return out

    def read_all(self) -> np.ndarray:
        """Consume every unread frame."""
        with self._lock:
            n = self._written - self._read
            out = self._copy_out(self._read, n)
            self._read += n
        return out

    def skip(self, n: int) -> int:
        """Discard up to ``n`` of the oldest unread frames; return how many were discarded."""
        with self._lock:
            n = max(0, min(int(n), self._written - self._read))
            self._read += n
        return n

    def latest(self, n: int) -> np.ndarray:
        """The newest ``n`` frames still held (read or not), oldest first; does not consume."""
        with self._lock:
            n = max(0, min(int(n), self._written, self.capacity))
            return self._copy_out(self._written - n, n)

    def clear(self) -> None:
        with self._lock:
            self._read = self._written
