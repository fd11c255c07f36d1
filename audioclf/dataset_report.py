"""What is in a labelled folder, before training on it (Qt-free; the GUI runs it in a worker).

:func:`check_folder` walks the folder with :func:`audioclf.dataset.scan_folder` (same class
rules as training), reads every file's header once, and returns a :class:`DatasetReport`:
files and total duration per class, sample rates and channel counts found, unreadable files
(skipped, not fatal) and warnings (imbalance, too few examples). Fewer than two classes, or a
class without readable audio, raise :class:`~audioclf.errors.DatasetError` (one line).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from audioclf import audio
from audioclf.dataset import scan_folder
from audioclf.errors import AudioclfError, DatasetError

MIN_PER_CLASS = 10  # fewer examples than this in a class: warn (the model will overfit)
IMBALANCE_RATIO = 3.0  # largest class / smallest class above this: warn
MODEL_RATES = (8000, 16000)  # sample rates offered for the model (Hz)


class CheckCancelled(AudioclfError):
    """The check was stopped by its ``cancel`` callback."""


@dataclass
class ClassSummary:
    label: str
    files: int = 0  # readable files
    duration_s: float = 0.0  # total of the readable files


@dataclass
class DatasetReport:
    root: str
    labels: list[str]  # sorted, as the model's labels will be
    classes: list[ClassSummary]
    items: list[tuple[str, int]]  # readable (path, label index)
    sample_rates: Counter[int] = field(default_factory=Counter)  # Hz -> files
    channels: Counter[int] = field(default_factory=Counter)  # channel count -> files
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    warnings: list[str] = field(default_factory=list)

    @property
    def total_files(self) -> int:
        return len(self.items)

    @property
    def total_duration_s(self) -> float:
        return sum(c.duration_s for c in self.classes)

    def suggested_sample_rate(self) -> int:
        """The model rate: 16 kHz unless most files are recorded below it (then 8 kHz)."""
        below = sum(n for sr, n in self.sample_rates.items() if sr < 16000)
        return MODEL_RATES[0] if below * 2 > max(1, self.total_files) else MODEL_RATES[1]


def _warnings(classes: list[ClassSummary], n_unreadable: int, rates: Counter[int]) -> list[str]:
    out = []
    few = [c.label for c in classes if c.files < MIN_PER_CLASS]
    if few:
        out.append(f"Few examples (under {MIN_PER_CLASS}) in: {', '.join(few)}; "
                   "accuracy will be unreliable. Add more clips to these classes.")
    counts = [c.files for c in classes]
    if min(counts) > 0 and max(counts) / min(counts) > IMBALANCE_RATIO:
        big = max(classes, key=lambda c: c.files)
        small = min(classes, key=lambda c: c.files)
        out.append(f"Imbalanced classes: {big.label} has {big.files} files, {small.label} only "
                   f"{small.files}; the model may favour the larger classes.")
    if n_unreadable:
        out.append(f"{n_unreadable} unreadable file{'s' * (n_unreadable != 1)} will be skipped.")
    if len(rates) > 1:
        out.append("Mixed sample rates: every file is resampled to the model's rate.")
    return out


def check_folder(root: str | os.PathLike[str],
                 progress: Callable[[int, int, str], None] | None = None,
                 cancel: Callable[[], bool] | None = None) -> DatasetReport:
    """Scan ``root`` (one subfolder per class) and read each file's header.

    ``progress(done, total, path)`` is called for every file; ``cancel()`` is checked before
    each one and raises :class:`CheckCancelled` when true.
    """
    folder = scan_folder(root, check_files=False)  # <2 classes / no files: DatasetError
    classes = [ClassSummary(lab) for lab in folder.labels]
    rates: Counter[int] = Counter()
    chans: Counter[int] = Counter()
    items: list[tuple[str, int]] = []
    bad: list[tuple[str, str]] = []
    total = len(folder.items)
    for n, (path, y) in enumerate(folder.items, 1):
        if cancel is not None and cancel():
            raise CheckCancelled(f"{root}: check cancelled")
        try:
            info = audio.probe(path)
            if info.frames <= 0 or info.sample_rate <= 0:
                raise AudioclfError("empty audio (no samples)")
        except AudioclfError as exc:
            bad.append((path, getattr(exc, "cause", str(exc))))
        else:
            items.append((path, y))
            classes[y].files += 1
            classes[y].duration_s += info.duration_s
            rates[info.sample_rate] += 1
            chans[info.channels] += 1
        if progress is not None:
            progress(n, total, path)
    empty = [c.label for c in classes if c.files == 0]
    if empty:
        raise DatasetError(f"{root}: class folder(s) with no readable audio: {', '.join(empty)}")
    return DatasetReport(str(root), list(folder.labels), classes, items, rates, chans, bad,
                         _warnings(classes, len(bad), rates))


def describe(report: DatasetReport) -> list[str]:
    """Short human-readable lines: totals, sample rates, channels."""
    def fmt(c: Counter[int], unit: str) -> str:
        return ", ".join(f"{k}{unit} ({v} file{'s' * (v != 1)})" for k, v in sorted(c.items()))

    return [(f"{len(report.labels)} classes, {report.total_files} files, "
             f"{report.total_duration_s / 60:.1f} min of audio"),
            f"Sample rates: {fmt(report.sample_rates, ' Hz')}",
            f"Channels: {fmt(report.channels, '')}"]
