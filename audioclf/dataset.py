"""Labelled folders: scan, split, feature cache and training-side augmentation.

A labelled folder has one immediate subfolder per class (sorted names are the labels);
audio files are found recursively below each class folder (extensions case-insensitive,
hidden files and folders ignored, symbolic links to folders not followed, so a link loop
cannot hang the scan). Unreadable files are skipped and reported, never fatal.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from audioclf import audio
from audioclf.config import FeatureConfig
from audioclf.errors import AudioclfError, DatasetError
from audioclf.features import LogMel, logmel_array


@dataclass
class LabelledFolder:
    """Result of a scan: sorted labels, (path, label index) items, skipped files with reasons."""

    roots: list[str]
    labels: list[str]
    items: list[tuple[str, int]]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    # seconds of audio per item path, from the header read by the scan (empty when the scan
    # did not open the files), so later steps need not open every file once more to size it
    durations: dict[str, float] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        c = dict.fromkeys(self.labels, 0)
        for _, y in self.items:
            c[self.labels[y]] += 1
        return c


def scan_folder(
    roots: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *, min_classes: int = 2, check_files: bool = True,
    progress: Callable[[int, str], None] | None = None,
) -> LabelledFolder:
    """Scan one or more labelled folders (class folders of the same name are merged)."""
    root_list = [Path(roots)] if isinstance(roots, (str, os.PathLike)) else [Path(r) for r in roots]
    by_class: dict[str, list[Path]] = {}
    for root in root_list:
        if not root.exists():
            raise DatasetError(f"{root}: folder not found")
        if not root.is_dir():
            raise DatasetError(f"{root}: not a folder")
        try:
            subdirs = sorted(d for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
        except OSError as exc:
            raise DatasetError(f"{root}: cannot list folder ({exc.strerror or exc})") from None
        for d in subdirs:
            by_class.setdefault(d.name, []).extend(map(Path, audio.find_audio_files(d)))
    labels = sorted(by_class)
    where = ", ".join(str(r) for r in root_list)
    if len(labels) < min_classes:
        raise DatasetError(
            f"{where}: found {len(labels)} class folder(s); need at least {min_classes} "
            "(one subfolder per class, audio files inside)")
    items: list[tuple[str, int]] = []
    skipped: list[tuple[str, str]] = []
    durations: dict[str, float] = {}
    seen = 0
    for y, label in enumerate(labels):
        for path in by_class[label]:
            seen += 1
            if progress is not None:
                progress(seen, str(path))
            if check_files:
                try:
                    durations[str(path)] = audio.probe(path).duration_s
                except AudioclfError as exc:
                    skipped.append((str(path), getattr(exc, "cause", str(exc))))
                    continue
            items.append((str(path), y))
    folder = LabelledFolder([str(r) for r in root_list], labels, items, skipped, durations)
    empty = [k for k, n in folder.counts().items() if n == 0]
    if empty:
        raise DatasetError(f"{where}: class folder(s) with no readable audio: {', '.join(empty)}")
    return folder


def stratified_split(
    items: Sequence[tuple[str, int]], val_fraction: float, seed: int
) -> tuple[list[int], list[int]]:
    """Indices (train, val): per class, round(val_fraction * n) go to validation (>= 1 when
    the class has 2+ items and val_fraction > 0)."""
    if not 0.0 <= val_fraction < 1.0:
        raise AudioclfError("validation fraction must be in [0, 1)")
    rng = np.random.default_rng(seed)
    by_label: dict[int, list[int]] = {}
    for i, (_, y) in enumerate(items):
        by_label.setdefault(y, []).append(i)
    train, val = [], []
    for y in sorted(by_label):
        idx = np.array(by_label[y])
        rng.shuffle(idx)
        n_val = round(val_fraction * len(idx))
        if val_fraction > 0 and len(idx) >= 2:
            n_val = min(max(n_val, 1), len(idx) - 1)
        val.extend(idx[:n_val].tolist())
        train.extend(idx[n_val:].tolist())
    return sorted(train), sorted(val)


def file_features(path: str | os.PathLike[str], cfg: FeatureConfig, front: LogMel,
                  max_frames: int | None = None) -> torch.Tensor:
    """Decode one file and return its log-mel features (F, T), at most ``max_frames`` of
    them (the first). Raises AudioclfError for a file that cannot be used."""
    x = audio.load(path, cfg.sample_rate)
    if max_frames is not None:
        x = x[: (max_frames - 1) * cfg.hop_length + cfg.n_fft]
    return logmel_array(x, cfg, front).clone()


#: A file whose decode + log-mel takes less than this (median of the first files, timed in
#: the calling thread) is not worth a thread: handing it over and back costs more than it
#: saves. Measured on 2 cores: 2,250 FSDD clips (0.4 s, 8 kHz wav, 0.45 ms each) took 1.0 s
#: in the calling thread and 1.4-1.6 s in 2 threads; 5-second 44.1 kHz stereo FLAC/MP3
#: resampled to 8 kHz took about half as long in 2 threads as in 1.
THREAD_ABOVE_S = 0.002


def extract_features(
    paths: Sequence[str], cfg: FeatureConfig, *, workers: int = 2, max_frames: int | None = None,
    probe: int = 16, thread_above_s: float = THREAD_ABOVE_S,
) -> Iterator[tuple[int, torch.Tensor | None, str | None]]:
    """Decode + log-mel each file once; yields (index, (F, T) or None, error), in order.

    The first ``probe`` files are decoded in the calling thread and timed. If the median
    takes longer than ``thread_above_s``, the rest go to ``workers`` threads (decoding and
    resampling run in C with the GIL released); short clips stay in the calling thread.
    ``workers`` <= 1: everything in the calling thread. ``max_frames`` keeps only the first
    frames of very long examples (bounded cache).
    """
    front = LogMel(cfg)

    def one(i: int) -> tuple[int, torch.Tensor | None, str | None]:
        try:
            return i, file_features(paths[i], cfg, front, max_frames), None
        except AudioclfError as exc:
            return i, None, getattr(exc, "cause", str(exc))

    first = len(paths) if workers <= 1 else min(len(paths), probe)
    spent: list[float] = []
    for i in range(first):
        t = time.perf_counter()
        res = one(i)
        spent.append(time.perf_counter() - t)  # not counting the consumer's time
        yield res
    rest = range(first, len(paths))
    if not rest or float(np.median(spent)) < thread_above_s:
        yield from map(one, rest)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(one, rest)


# ---------------------------------------------------------------- augmentation (train only)

def noise_bank(cfg: FeatureConfig, seconds: float = 8.0, seed: int = 0) -> torch.Tensor:
    """Log-mel features (F, T) of generated background: white, pink and brown noise and hum,
    at 0 dB reference level; callers shift it in dB to any level."""
    rng = np.random.default_rng(seed)
    n = int(seconds * cfg.sample_rate)
    white = rng.standard_normal(n)
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.maximum(np.fft.rfftfreq(n, 1 / cfg.sample_rate), 1.0)
    pink = np.fft.irfft(spec / np.sqrt(f), n)
    brown = np.fft.irfft(spec / f, n)
    t = np.arange(n) / cfg.sample_rate
    hum = sum(np.sin(2 * np.pi * 50 * k * t) / k for k in range(1, 6))
    parts = [white, pink, brown, hum + 0.1 * white]
    seg = n // len(parts)
    x = np.concatenate([p[:seg] / (np.std(p[:seg]) + 1e-12) for p in parts]).astype(np.float32)
    return logmel_array(0.1 * x, cfg)  # about -20 dBFS RMS


@dataclass(frozen=True)
class Augment:
    """Training-side augmentation; all on cached features, so epochs stay cheap."""

    stretch: float = 0.10  # speed perturbation: time axis resampled by 1 +- stretch
    warp: float = 0.08  # vocal-tract-length-like warp of the mel axis by 1 +- warp
    gain_db: float = 6.0  # random gain +- this many dB
    eq_db: float = 8.0  # random smooth colouring across mel bands (a tilt and a bump), +- dB
    embed_prob: float = 0.4  # place the clip at a random offset inside a longer, silent window
    noise_prob: float = 0.4  # mix background noise under the whole example
    snr_db: tuple[float, float] = (15.0, 50.0)  # noise level below the example's peak band
    time_mask: float = 0.08  # one SpecAugment time mask of up to this fraction of frames
    freq_mask: float = 0.10  # one SpecAugment frequency mask of up to this fraction of bands
    # MixStyle (Zhou et al., ICLR 2021) after the first conv block, training only: with this
    # probability per batch, each example's per-channel feature statistics (mean and std over
    # frequency and real frames) are replaced by a random mix of its own and another
    # example's, so voice- and microphone-specific "style" stops being a cue. 0 = off.
    mixstyle: float = 0.0
    mixstyle_alpha: float = 0.1  # Beta(alpha, alpha) mixing weights
    warmup: float = 0.3  # fraction of the epochs over which strength ramps from 0 to 1

    def scaled(self, strength: float) -> Augment:
        """The same augmentation at ``strength`` in [0, 1] (a curriculum: easy first)."""
        k = min(1.0, max(0.0, strength))
        return replace(self, stretch=self.stretch * k, warp=self.warp * k,
                       gain_db=self.gain_db * k, eq_db=self.eq_db * k, embed_prob=self.embed_prob * k,
                       noise_prob=self.noise_prob * k, time_mask=self.time_mask * k,
                       freq_mask=self.freq_mask * k, mixstyle=self.mixstyle * k)


def _resize(x: np.ndarray, size: int) -> np.ndarray:
    """Linear resampling of (F, T) along time to ``size`` frames (end frames kept)."""
    t = x.shape[1]
    if t == size:
        return x
    return _lerp(x, _ramp(t - 1, size), axis=1)


def _ramp(stop: float, num: int) -> np.ndarray:
    """``np.linspace(0.0, stop, num)``, the same float64 values, in a quarter of its time
    (its generality costs ~30 us a call; this runs for every training example)."""
    if num < 2 or stop == 0:
        return np.zeros(num)
    y = np.arange(num, dtype=np.float64)
    y *= stop / (num - 1)
    y[-1] = stop
    return y


@functools.cache
def _mel_axis(n_mels: int) -> tuple[np.ndarray, np.ndarray]:
    """(band indices as float64, band positions from -1 to 1 as a column), read-only."""
    idx, u = np.arange(n_mels, dtype=np.float64), np.linspace(-1.0, 1.0, n_mels)[:, None]
    idx.flags.writeable = u.flags.writeable = False
    return idx, u


def _lerp(x: np.ndarray, pos: np.ndarray, axis: int) -> np.ndarray:
    """``x`` read at fractional positions ``pos`` along ``axis`` (0 or 1), linearly."""
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, x.shape[axis] - 1)
    w = (pos - lo).astype(np.float32)
    if axis == 0:
        w = w[:, None]
    return x.take(lo, axis) * (1 - w) + x.take(hi, axis) * w


def _db_mix(a: np.ndarray, b: np.ndarray, cfg: FeatureConfig) -> np.ndarray:
    """Power-domain sum of two normalised log-mel arrays."""
    k = np.float32(cfg.norm_std_db / 10.0 * np.log(10.0))  # normalised units -> ln(power)
    return np.logaddexp(a * k, b * k) / k  # the dB offset (norm_mean_db) cancels out


def floor_value(cfg: FeatureConfig) -> float:
    """Normalised feature value of digital silence (the amin power floor)."""
    return (10.0 * float(np.log10(cfg.amin)) - cfg.norm_mean_db) / cfg.norm_std_db


def augment_example(
    feat: torch.Tensor, window: int, aug: Augment, cfg: FeatureConfig, bank: torch.Tensor,
    rng: np.random.Generator,
) -> torch.Tensor:
    """One cached example (F, T) -> augmented (F, T') with T' <= ``window``.

    Works in NumPy on the CPU: an example is a few thousand values, where each torch call's
    fixed overhead would cost more than the arithmetic (this runs once per example per epoch).
    """
    f = _numpy(feat)
    n_mels, t = f.shape
    bands, u = _mel_axis(n_mels)
    f = _resize(f, max(1, round(t * rng.uniform(1 - aug.stretch, 1 + aug.stretch))))
    if aug.warp > 0:
        a = rng.uniform(1 - aug.warp, 1 + aug.warp)  # > 0, so only the top end needs a clip
        f = _lerp(f, np.minimum(bands * a, n_mels - 1), axis=0)
    f = f + np.float32(rng.uniform(-aug.gain_db, aug.gain_db) / cfg.norm_std_db)
    if aug.eq_db > 0:  # another microphone or room: a spectral tilt plus one broad bump
        tilt = rng.uniform(-1, 1) * u
        bump = rng.uniform(-1, 1) * np.cos(np.pi * (u - rng.uniform(-1, 1)))
        f = f + ((aug.eq_db / cfg.norm_std_db) * (tilt + bump) / 2).astype(np.float32)
    if f.shape[1] > window:
        s = int(rng.integers(0, f.shape[1] - window + 1))
        f = f[:, s:s + window]
    if f.shape[1] < window and rng.random() < aug.embed_prob:
        length = int(rng.integers(f.shape[1], window + 1))
        off = int(rng.integers(0, length - f.shape[1] + 1))
        canvas = np.full((n_mels, length), floor_value(cfg), dtype=np.float32)
        canvas[:, off:off + f.shape[1]] = f
        f = canvas
    if rng.random() < aug.noise_prob:
        noise = _numpy(bank)
        s = int(rng.integers(0, noise.shape[1] - f.shape[1]))
        noise = noise[:, s:s + f.shape[1]]
        level = float(f.max()) - rng.uniform(*aug.snr_db) / cfg.norm_std_db
        f = _db_mix(f, noise - np.float32(noise.max() - level), cfg)
    f = np.array(f, dtype=np.float32)  # a fresh copy: the masks below write into it
    fill = float(np.add.reduce(f, axis=None) / f.size)  # f.mean(), without its overhead
    tw = int(rng.integers(0, int(aug.time_mask * f.shape[1]) + 1))
    ts = int(rng.integers(0, f.shape[1] - tw + 1))
    f[:, ts:ts + tw] = fill
    fw = int(rng.integers(0, int(aug.freq_mask * n_mels) + 1))
    fs = int(rng.integers(0, n_mels - fw + 1))
    f[fs:fs + fw, :] = fill
    return torch.from_numpy(f)


def _numpy(x: torch.Tensor) -> np.ndarray:
    """A CPU tensor's values as an array, shared (no copy); other tensors copied to the CPU."""
    return x.numpy() if x.device.type == "cpu" and not x.requires_grad else x.detach().cpu().numpy()


def collate(feats: Sequence[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """List of (F, T_i) -> zero-padded batch (B, 1, F, max T) on the features' device, and
    lengths (B,) on the CPU."""
    lengths = torch.tensor([f.shape[1] for f in feats], dtype=torch.long)
    batch = torch.zeros(len(feats), 1, feats[0].shape[0], int(lengths.max()),
                        device=feats[0].device)
    for i, f in enumerate(feats):
        batch[i, 0, :, : f.shape[1]] = f
    return batch, lengths
