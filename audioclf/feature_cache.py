"""Training feature cache: in RAM when the dataset fits a budget, else on disk.

Every training example is decoded and turned into log-mel features once. When the features
would fit in ``ram_mb`` they stay in a list in memory (the fast, usual case). Otherwise each
file's features go to a ``.npy`` file below the cache folder, named by a hash of the file's
content, in a subfolder named by a hash of the :class:`FeatureConfig` and the frame cap, so
an unchanged file is never decoded again (even by another training run) and a changed file
or a different front end never reuses stale features. Entries are written atomically (two
ranks of a distributed run may write the same one); they are plain arrays, never pickles.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch

from audioclf import audio
from audioclf.config import FeatureConfig, to_json
from audioclf.dataset import extract_features, file_features
from audioclf.errors import AudioclfError
from audioclf.features import LogMel
from audioclf.fsutil import atomic_write_with

BYTES_PER_VALUE = 4  # float32


def default_cache_dir() -> Path:
    from audioclf.paths import user_cache_dir

    return user_cache_dir() / "features"


def estimate_bytes(paths: Sequence[str], cfg: FeatureConfig, max_frames: int | None,
                   durations: Mapping[str, float] | None = None) -> int:
    """Bytes the features of ``paths`` take in RAM, from ``durations`` (seconds per path, as a
    folder scan found them) or else from the headers; unreadable files count 0."""
    total = 0
    for p in paths:
        seconds = durations.get(p) if durations is not None else None
        if seconds is None:
            try:
                seconds = audio.probe(p).duration_s
            except AudioclfError:
                continue
        n = cfg.num_frames(int(seconds * cfg.sample_rate))
        n = max(1, n if max_frames is None else min(n, max_frames))
        total += n * cfg.n_mels * BYTES_PER_VALUE
    return total


def content_key(path: str | os.PathLike[str]) -> str:
    """Hash of a file's bytes (blake2b, 128 bits)."""
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def config_key(cfg: FeatureConfig, max_frames: int | None) -> str:
    text = f"{to_json(cfg)}|max_frames={max_frames}"
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


class DiskFeatures(Sequence[torch.Tensor]):
    """A read-only list of (F, T) tensors stored as .npy files (read on each access)."""

    def __init__(self, files: Sequence[Path], lengths: Sequence[int]) -> None:
        self.files, self.lengths = list(files), list(lengths)

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, i):  # type: ignore[no-untyped-def, override]
        if isinstance(i, slice):
            return DiskFeatures(self.files[i], self.lengths[i])
        return torch.from_numpy(np.load(self.files[i], allow_pickle=False))


class FeatureCache:
    """Features of ``paths`` for training; :meth:`build` fills it, :meth:`select` reads it."""

    def __init__(self, paths: Sequence[str], cfg: FeatureConfig, *, max_frames: int | None,
                 ram_mb: float, cache_dir: str | os.PathLike[str] | None = None,
                 durations: Mapping[str, float] | None = None) -> None:
        self.paths, self.cfg, self.max_frames = list(paths), cfg, max_frames
        self.estimate_bytes = estimate_bytes(self.paths, cfg, max_frames, durations)
        self.on_disk = self.estimate_bytes > ram_mb * 2**20
        root = Path(cache_dir) if cache_dir else default_cache_dir()
        self.folder = root / config_key(cfg, max_frames)
        self._mem: list[torch.Tensor | None] = [None] * len(self.paths)
        self._files: list[Path | None] = [None] * len(self.paths)
        self._lengths: list[int] = [0] * len(self.paths)
        self.decoded = 0  # files decoded by build() (the rest came from the disk cache)

    def build(self, workers: int = 2) -> Iterator[tuple[int, str | None]]:
        """Decode what is needed; yields (index, error or None) once per path, in order."""
        if not self.on_disk:
            for i, f, err in extract_features(self.paths, self.cfg, workers=workers,
                                              max_frames=self.max_frames):
                if f is not None:
                    self._mem[i], self._lengths[i] = f, int(f.shape[1])
                    self.decoded += 1
                yield i, err
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        front = LogMel(self.cfg)
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            for i, file, n, err in pool.map(lambda i: self._disk_one(i, front),
                                            range(len(self.paths))):
                if file is not None:
                    self._files[i], self._lengths[i] = file, n
                yield i, err

    def _disk_one(self, i: int, front: LogMel) -> tuple[int, Path | None, int, str | None]:
        path = self.paths[i]
        try:
            target = self.folder / f"{content_key(path)}.npy"
        except OSError as exc:
            return i, None, 0, f"cannot read ({exc.strerror or exc})"
        if target.exists():
            try:
                return i, target, int(np.load(target, mmap_mode="r").shape[1]), None
            except (OSError, ValueError, IndexError):
                pass  # a damaged entry: compute it again
        try:
            feat = file_features(path, self.cfg, front, self.max_frames).numpy()
        except AudioclfError as exc:
            return i, None, 0, getattr(exc, "cause", str(exc))
        atomic_write_with(target, lambda tmp: np.save(tmp, feat, allow_pickle=False))
        self.decoded += 1
        return i, target, int(feat.shape[1]), None

    def select(self, keep: Sequence[int]) -> Sequence[torch.Tensor]:
        """The features of the kept indices, as a list (RAM) or a :class:`DiskFeatures`."""
        if self.on_disk:
            return DiskFeatures([self._files[i] for i in keep],  # type: ignore[misc]
                                [self._lengths[i] for i in keep])
        return [self._mem[i] for i in keep]  # type: ignore[misc]

    def lengths(self, keep: Sequence[int]) -> list[int]:
        return [self._lengths[i] for i in keep]
