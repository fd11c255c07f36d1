"""Ring buffer: FIFO order, wrap-around, overflow policy (overwrite oldest, count), threads."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from audioclf.audio.ringbuffer import RingBuffer


def test_fifo_and_wraparound() -> None:
    rb = RingBuffer(8)
    rb.write(np.arange(5, dtype=np.float32))
    assert rb.read(3).tolist() == [0, 1, 2]
    rb.write(np.arange(5, 10, dtype=np.float32))  # wraps past the end of storage
    assert rb.available == 7
    assert rb.read_all().tolist() == list(range(3, 10))
    assert rb.available == 0 and rb.dropped == 0
    assert rb.read(4).size == 0


def test_overflow_overwrites_oldest_and_counts() -> None:
    rb = RingBuffer(4)
    rb.write(np.arange(3, dtype=np.float32))
    rb.write(np.arange(3, 6, dtype=np.float32))  # 2 frames too many
    assert rb.dropped == 2
    assert rb.read_all().tolist() == [2, 3, 4, 5]
    rb.write(np.arange(10, dtype=np.float32))  # one write larger than the capacity
    assert rb.dropped == 8
    assert rb.read_all().tolist() == [6, 7, 8, 9]


def test_latest_does_not_consume_and_sees_read_frames() -> None:
    rb = RingBuffer(5)
    rb.write(np.arange(7, dtype=np.float32))
    rb.read_all()
    assert rb.latest(3).tolist() == [4, 5, 6]
    assert rb.latest(100).tolist() == [2, 3, 4, 5, 6]  # at most the capacity
    assert rb.available == 0


def test_multichannel_and_skip() -> None:
    rb = RingBuffer(6, channels=2)
    x = np.arange(16, dtype=np.float32).reshape(8, 2)
    rb.write(x)
    assert rb.dropped == 2
    assert rb.skip(1) == 1
    np.testing.assert_array_equal(rb.read(10), x[3:])
    with pytest.raises(ValueError):
        rb.write(np.zeros((2, 3), np.float32))


def test_one_writer_one_reader_threads_lose_nothing_when_big_enough() -> None:
    rb = RingBuffer(1 << 18)  # larger than the total: a test of order under concurrency
    total = 200_000
    got: list[np.ndarray] = []

    def writer() -> None:
        for s in range(0, total, 441):
            rb.write(np.arange(s, min(total, s + 441), dtype=np.float32))

    t = threading.Thread(target=writer)
    t.start()
    while t.is_alive() or rb.available:
        got.append(rb.read_all())
    t.join()
    out = np.concatenate(got)
    assert rb.dropped == 0
    np.testing.assert_array_equal(out, np.arange(total, dtype=np.float32))
