"""Decode audio files with soundfile, downmix to mono, resample with torchaudio.

Everything that can go wrong with a file raises :class:`audioclf.errors.AudioError` whose
message names the file and the cause in one line. Long files are read in chunks
(:func:`iter_chunks`) so memory stays bounded whatever the duration; the chunked resampler
gives the same samples as resampling the whole file at once.
"""

from __future__ import annotations

import errno
import functools
import math
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from audioclf.errors import AudioError

#: File name endings read as audio (compared case-insensitively).
AUDIO_EXTENSIONS = frozenset({".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aif", ".aiff"})
MAX_CHANNELS = 64  # more is refused as "not audio we support"
MAX_SAMPLE_RATE = 768_000  # Hz
#: :func:`load` refuses files that would decode to more samples than this (about 2 GB of
#: float32 per channel); longer recordings are read with :func:`iter_chunks`.
MAX_LOAD_SAMPLES = 2**29
#: At most this many samples (all channels together) are decoded per read, so a file with
#: many channels or a header that lies about its length cannot ask for a huge buffer.
MAX_READ_SAMPLES = 2**22
#: Float files may go past full scale; beyond this (80 dB over) they are refused as not audio.
MAX_ABS_SAMPLE = 1e4
_LOWPASS_WIDTH = 6  # torchaudio sinc resampler: zero crossings on each side
_ROLLOFF = 0.99


@dataclass(frozen=True)
class AudioInfo:
    """What the file header says."""

    path: str
    sample_rate: int  # Hz
    channels: int
    frames: int  # samples per channel
    format: str
    subtype: str

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate if self.sample_rate else 0.0


def is_audio_path(path: str | os.PathLike[str]) -> bool:
    """True for a non-hidden name with an audio extension (the file may still be bad)."""
    p = Path(path)
    return not p.name.startswith(".") and p.suffix.lower() in AUDIO_EXTENSIONS


def find_audio_files(folder: str | os.PathLike[str]) -> list[str]:
    """Audio files below ``folder``, recursively, sorted. Hidden files and folders are skipped
    and symbolic links to folders are not followed, so a link loop cannot hang the walk."""
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        found.extend(os.path.join(dirpath, n) for n in filenames if is_audio_path(n))
    return sorted(found)


def _precheck(path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    try:
        st = p.stat()
    except OSError as exc:  # missing, dangling or looping link, unreachable folder...
        if exc.errno == errno.ELOOP:
            raise AudioError(p, "symbolic link loop") from None
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            raise AudioError(p, "broken symbolic link" if p.is_symlink() else "file not found"
                             ) from None
        if exc.errno == errno.EACCES:
            raise AudioError(p, "permission denied") from None
        raise AudioError(p, f"cannot read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise AudioError(p, "is a folder, not an audio file")
    if not stat.S_ISREG(st.st_mode):
        raise AudioError(p, "not a regular file (a device, pipe or socket)")
    if not os.access(p, os.R_OK):
        raise AudioError(p, "permission denied")
    size = st.st_size
    if size == 0:
        raise AudioError(p, "file is empty (0 bytes)")
    return p


def _open(path: str | os.PathLike[str]) -> sf.SoundFile:
    p = _precheck(path)
    try:
        f = sf.SoundFile(p)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        detail = str(exc).split(":")[-1].strip().rstrip(".") or "unknown format"
        if "possibly a pipe" in detail:  # libsndfile's words for "no decoder accepted it"
            detail = "unrecognised or corrupt data"
        raise AudioError(p, f"not a readable audio file ({detail})") from None
    except OSError as exc:
        raise AudioError(p, f"cannot read ({exc.strerror or exc})") from None
    if f.samplerate <= 0 or f.samplerate > MAX_SAMPLE_RATE:
        f.close()
        raise AudioError(p, f"unsupported sample rate {f.samplerate} Hz")
    if f.channels <= 0 or f.channels > MAX_CHANNELS:
        f.close()
        raise AudioError(p, f"unsupported channel count {f.channels}")
    if f.frames == 0:
        f.close()
        raise AudioError(p, "no audio samples (header only or zero-length audio)")
    return f


def probe(path: str | os.PathLike[str]) -> AudioInfo:
    """Read the header only. Raises AudioError if the file is not usable audio."""
    with _open(path) as f:
        return AudioInfo(str(path), f.samplerate, f.channels, f.frames, f.format, f.subtype)


def to_mono(data: np.ndarray) -> np.ndarray:
    """(frames, channels) or (frames,) -> (frames,) float32, the mean of the channels."""
    if data.ndim == 1:
        return data.astype(np.float32, copy=False)
    if data.shape[1] == 1:
        return np.ascontiguousarray(data[:, 0], dtype=np.float32)
    return data.mean(axis=1, dtype=np.float32)


@functools.lru_cache(maxsize=16)
def _resampler(orig: int, new: int):  # type: ignore[no-untyped-def]
    import torchaudio

    return torchaudio.transforms.Resample(
        orig, new, lowpass_filter_width=_LOWPASS_WIDTH, rolloff=_ROLLOFF,
        resampling_method="sinc_interp_hann",
    )


def resample(x: np.ndarray, orig_sr: int, new_sr: int) -> np.ndarray:
    """Resample mono float32 ``x`` (N,) from ``orig_sr`` to ``new_sr`` Hz with torchaudio."""
    if orig_sr == new_sr or x.size == 0:
        return x.astype(np.float32, copy=False)
    import torch

    with torch.inference_mode():
        y = _resampler(orig_sr, new_sr)(torch.from_numpy(np.ascontiguousarray(x, np.float32)))
    return y.numpy()


def _check_finite(x: np.ndarray, path: str | os.PathLike[str]) -> None:
    if not np.isfinite(x).all():
        raise AudioError(path, "contains NaN or infinite samples")
    peak = float(np.abs(x).max()) if x.size else 0.0
    if peak > MAX_ABS_SAMPLE:  # float files: 1e30 would overflow the mel power to inf
        raise AudioError(path, f"sample values far outside [-1, 1] (peak {peak:.3g}); "
                         "not usable audio")


def _read(f: sf.SoundFile, n: int, path: str | os.PathLike[str]) -> np.ndarray:
    try:
        data = f.read(n, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, ValueError) as exc:
        at = f.tell() / f.samplerate if f.samplerate else 0.0
        raise AudioError(path, f"truncated or corrupt audio near {at:.2f} s ({exc})") from None
    return to_mono(data)


def load(path: str | os.PathLike[str], sample_rate: int | None = None) -> np.ndarray:
    """Whole file as mono float32 at ``sample_rate`` (the file's own rate if None)."""
    with _open(path) as f:
        sr = f.samplerate
        target = sample_rate or sr
        if f.frames > MAX_LOAD_SAMPLES or f.frames * max(1, target // sr) > MAX_LOAD_SAMPLES:
            raise AudioError(
                path, f"too long to load at once ({f.frames / sr:.0f} s); it is read in chunks "
                "by prediction instead")
        block = max(1, MAX_READ_SAMPLES // f.channels)
        parts = []
        while True:  # bounded reads: a lying header cannot make one huge allocation
            part = _read(f, block, path)
            if part.size == 0:
                break
            parts.append(part)
        x = np.concatenate(parts) if parts else np.zeros(0, np.float32)
    if x.size == 0:
        raise AudioError(path, "no audio samples could be decoded (truncated file?)")
    _check_finite(x, path)
    return resample(x, sr, target)


def _context_samples(orig: int, new: int) -> tuple[int, int, int]:
    """(down, up, context) for exact chunked resampling; context is a multiple of down."""
    g = math.gcd(orig, new)
    down, up = orig // g, new // g
    width = math.ceil(_LOWPASS_WIDTH * down / (min(down, up) * _ROLLOFF))
    return down, up, down * (math.ceil(width / down) + 2)


def iter_chunks(
    path: str | os.PathLike[str], sample_rate: int | None = None, chunk_s: float = 10.0
) -> Iterator[np.ndarray]:
    """Yield the file as consecutive mono float32 chunks at ``sample_rate``.

    Concatenating the chunks equals :func:`load` (to float rounding) but memory stays
    bounded by ``chunk_s``. Each chunk is checked for NaN/Inf. An empty or unreadable file
    raises before the first chunk; a file truncated in the middle raises when reached.
    """
    with _open(path) as f:
        sr = f.samplerate
        target = sample_rate or sr
        produced = 0
        if sr == target:
            block = max(1, min(int(chunk_s * sr), MAX_READ_SAMPLES // f.channels))
            while True:
                x = _read(f, block, path)
                if x.size == 0:
                    break
                _check_finite(x, path)
                produced += x.size
                yield x
        else:
            down, up, ctx = _context_samples(sr, target)
            block = down * max(1, min(round(chunk_s * sr / down),
                                       MAX_READ_SAMPLES // (f.channels * down)))
            block = max(block, ctx)  # the next block must hold the right-hand context
            history = np.zeros(ctx, np.float32)  # left context (zeros before the start)
            cur = _read(f, block, path)
            while cur.size:
                _check_finite(cur, path)
                nxt = _read(f, block, path)
                right = nxt[:ctx]
                if right.size < ctx:
                    right = np.concatenate([right, np.zeros(ctx - right.size, np.float32)])
                y = resample(np.concatenate([history, cur, right]), sr, target)
                start = ctx * up // down
                n_out = math.ceil(cur.size * up / down)
                produced += n_out
                yield y[start:start + n_out]
                history = np.concatenate([history, cur])[-ctx:]
                cur = nxt
        if produced == 0:
            raise AudioError(path, "no audio samples could be decoded (truncated file?)")


def write_audio(
    path: str | os.PathLike[str], samples: np.ndarray, sample_rate: int, subtype: str | None = None
) -> None:
    """Write mono/multichannel float samples atomically (format from the extension)."""
    from audioclf.fsutil import atomic_write_with

    p = Path(path)
    fmt = {".wav": "WAV", ".flac": "FLAC", ".ogg": "OGG"}.get(p.suffix.lower())
    if fmt is None:
        raise AudioError(p, "can only write .wav, .flac or .ogg")
    sub = subtype or {"WAV": "PCM_16", "FLAC": "PCM_16", "OGG": "VORBIS"}[fmt]
    atomic_write_with(p, lambda tmp: sf.write(tmp, samples, sample_rate, format=fmt, subtype=sub))
