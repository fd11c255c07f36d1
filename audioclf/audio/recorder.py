"""Record to disk as audio arrives, so a crash loses at most the last second (Qt-free).

:class:`StreamRecorder` appends blocks to a 16-bit PCM WAV file. At least every ``flush_s``
(audio time or wall-clock time, whichever comes first) it pushes the new samples to disk
(flush + fsync) and only then rewrites the two length fields of the header. A process killed
at any moment (SIGKILL, power cut after the last fsync) leaves a valid WAV holding everything
up to the last flush. The header is written by hand because libsndfile only fixes WAV lengths
when the file is closed.

Unlike :func:`audioclf.audio.io.write_audio` this is not atomic: the point is that the file
exists, readable, while it grows.
"""

from __future__ import annotations

import os
import struct
import time
from pathlib import Path

import numpy as np

from audioclf.errors import AudioError

FLUSH_S = 1.0  # at most this much audio (or wall-clock time) is ever unflushed
_MAX_DATA_BYTES = 2**32 - 1 - 36  # the RIFF size field is 32 bits


def _header(sample_rate: int, channels: int, data_bytes: int) -> bytes:
    block_align = 2 * channels
    return (b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVE"
            + b"fmt " + struct.pack("<IHHIIHH", 16, 1, channels, sample_rate,
                                    sample_rate * block_align, block_align, 16)
            + b"data" + struct.pack("<I", data_bytes))


class StreamRecorder:
    """Append float blocks in [-1, 1] ((n,) or (n, channels)) to ``path`` (a .wav)."""

    def __init__(self, path: str | os.PathLike[str], sample_rate: int, channels: int = 1,
                 flush_s: float = FLUSH_S) -> None:
        self.path = Path(path)
        if self.path.suffix.lower() != ".wav":
            raise AudioError(self.path, "recordings are written as .wav")
        self.sample_rate, self.channels, self.flush_s = int(sample_rate), int(channels), flush_s
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._fh = open(self.path, "wb")  # noqa: SIM115 - kept open while recording
        except OSError as exc:
            raise AudioError(self.path, f"cannot record here ({exc.strerror or exc})") from None
        self._fh.write(_header(self.sample_rate, self.channels, 0))
        self.frames = 0  # frames written (maybe not yet flushed)
        self.frames_flushed = 0  # frames a reader will find after a crash
        self._last_flush = time.monotonic()
        self.closed = False
        self._sync()

    def write(self, block: np.ndarray) -> None:
        if self.closed:
            raise AudioError(self.path, "recording already closed")
        x = np.asarray(block, np.float32).reshape(-1, self.channels)
        if (self.frames + x.shape[0]) * 2 * self.channels > _MAX_DATA_BYTES:
            raise AudioError(self.path, "recording reached the 4 GB WAV limit; start a new one")
        pcm = np.clip(np.nan_to_num(x, nan=0.0), -1.0, 1.0) * 32767.0
        self._fh.write(np.round(pcm).astype("<i2").tobytes())
        self.frames += x.shape[0]
        if (self.frames - self.frames_flushed >= self.flush_s * self.sample_rate
                or time.monotonic() - self._last_flush >= self.flush_s):
            self.flush()

    def flush(self) -> None:
        """Samples to disk first, then the header that makes them visible."""
        if self.closed or self.frames == self.frames_flushed:
            self._last_flush = time.monotonic()
            return
        self._sync()
        end = self._fh.tell()
        data = self.frames * 2 * self.channels
        self._fh.seek(4)
        self._fh.write(struct.pack("<I", 36 + data))
        self._fh.seek(40)
        self._fh.write(struct.pack("<I", data))
        self._fh.seek(end)
        self._sync()
        self.frames_flushed = self.frames
        self._last_flush = time.monotonic()

    def _sync(self) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        if self.closed:
            return
        try:
            self.flush()
        finally:
            self.closed = True
            self._fh.close()

    def __enter__(self) -> StreamRecorder:  # noqa: PYI034  (Python 3.10 has no typing.Self)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
