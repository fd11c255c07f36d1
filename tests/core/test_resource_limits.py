"""Inputs too big for memory are refused with a clear message or streamed in bounded chunks.

The files are sparse (a header plus a hole): gigabytes long, no disk used.
"""

from __future__ import annotations

import struct
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from audioclf import audio
from audioclf.errors import AudioError

MB = 2**20


def sparse_wav(p: Path, sr: int, ch: int, data_bytes: int) -> Path:
    ba = 2 * ch
    hdr = (b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVE" + b"fmt "
           + struct.pack("<IHHIIHH", 16, 1, ch, sr, sr * ba, ba, 16)
           + b"data" + struct.pack("<I", data_bytes))
    with open(p, "wb") as fh:
        fh.write(hdr)
        fh.truncate(len(hdr) + data_bytes)  # a hole: reads as silence
    return p


def peak_mb(fn) -> float:  # type: ignore[no-untyped-def]
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / MB
    finally:
        tracemalloc.stop()


def test_74_hour_file_is_refused_by_load_and_streamed_in_bounded_chunks(tmp_path) -> None:  # type: ignore[no-untyped-def]
    p = sparse_wav(tmp_path / "long.wav", 8000, 1, 2**32 - 64)  # 4 GB, 8 kHz mono: 74 h
    info = audio.probe(p)
    assert info.duration_s > 70 * 3600
    with pytest.raises(AudioError, match="too long to load at once") as ei:
        audio.load(p, 8000)
    assert "\n" not in str(ei.value) and str(p) in str(ei.value)

    def three_chunks() -> None:
        it = audio.iter_chunks(p, 16000, chunk_s=10.0)
        sizes = [next(it).size for _ in range(3)]
        it.close()
        assert sizes == [160_000] * 3

    assert peak_mb(three_chunks) < 40


def test_768_khz_64_channels_reads_in_bounded_blocks(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # 1 GB: 768 kHz x 64 channels x 10.9 s; one unbounded read would ask for 2 GB of float32
    p = sparse_wav(tmp_path / "wide.wav", 768_000, 64, 2**30)
    assert audio.probe(p).channels == 64

    def first_chunk() -> None:
        it = audio.iter_chunks(p, 8000, chunk_s=30.0)
        x = next(it)
        it.close()
        assert x.size > 0 and not np.any(x)

    assert peak_mb(first_chunk) < 120  # blocks of MAX_READ_SAMPLES over all channels


def test_training_skips_a_file_too_long_to_load(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from audioclf.config import FeatureConfig
    from audioclf.dataset import extract_features

    p = sparse_wav(tmp_path / "long.wav", 8000, 1, 2**32 - 64)
    (_, feats, err), = list(extract_features([str(p)], FeatureConfig.for_sample_rate(8000)))
    assert feats is None and "too long to load at once" in err
