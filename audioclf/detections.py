"""Detections: probabilities over time -> segments -> CSV, Audacity labels, Raven tables.

Segments come from :mod:`audioclf.segments` (the same decoder as ``audioclf listen`` and the
live view: threshold on the top class, background classes ignored, same-class runs merged
across gaps up to ``merge_gap_s``). That decoder gives each segment the *centres* of its
first and last timeline windows; here a segment is widened to the audio those windows stand
for: each timeline point owns the audio closer to its centre than to any other centre, the
first point from 0 s and the last point to the end of the file. So a clip shorter than one
window that is detected at all is detected over its whole length.

Writers (atomic), one file per recording:

* CSV: ``file,start_s,end_s,label,confidence`` (a header row, comma separated);
* Audacity label track (.txt): ``start<TAB>end<TAB>label``, seconds, no header;
* Raven selection table (.txt): tab separated, header ``Selection, View, Channel,
  Begin Time (s), End Time (s), Low Freq (Hz), High Freq (Hz), Annotation, Confidence``.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audioclf.errors import AudioclfError
from audioclf.fsutil import atomic_write_bytes
from audioclf.segments import segment_points

FORMATS = ("csv", "audacity", "raven")
SUFFIXES = {"csv": ".csv", "audacity": ".txt", "raven": ".selections.txt"}
CSV_COLUMNS = ("file", "start_s", "end_s", "label", "confidence")
RAVEN_COLUMNS = ("Selection", "View", "Channel", "Begin Time (s)", "End Time (s)",
                 "Low Freq (Hz)", "High Freq (Hz)", "Annotation", "Confidence")


@dataclass(frozen=True)
class Detection:
    """One event in one recording."""

    start_s: float  # seconds from the start of the file
    end_s: float  # seconds, > start_s
    label: str
    confidence: float  # peak probability of ``label`` within the event, 0..1


def detect(times: np.ndarray, timeline: np.ndarray, labels: Sequence[str], duration_s: float,
           threshold: float = 0.5, merge_gap_s: float = 0.35, min_duration_s: float = 0.0
           ) -> list[Detection]:
    """Timeline (N,) centres in s and (N, K) probabilities -> detections in time order.

    ``threshold``: probability the top class needs at a point; ``merge_gap_s``: same-class
    runs whose centres are at most this far apart become one event; ``min_duration_s``:
    shorter events (after widening, see the module docstring) are dropped.
    """
    times = np.asarray(times, np.float64)
    if times.size == 0:
        return []
    segs = segment_points(labels, zip(times, np.asarray(timeline)), threshold=threshold,
                          min_points=1, merge_gap_s=merge_gap_s)
    # boundaries between points: midpoints of consecutive centres, 0 and duration outside
    mids = (times[1:] + times[:-1]) / 2.0
    edges = np.concatenate([[0.0], mids, [max(duration_s, float(times[-1]))]])
    out = []
    for s in segs:
        i = int(np.searchsorted(times, s.start_s))
        j = int(np.searchsorted(times, s.end_s))
        start, end = float(edges[i]), float(edges[j + 1])
        if end - start >= min_duration_s and end > start:
            out.append(Detection(start, end, s.label, s.confidence))
    return out


def output_path(audio_path: str | os.PathLike[str], out_dir: str | os.PathLike[str],
                fmt: str) -> Path:
    """``DIR/<audio file stem><suffix>`` (e.g. ``bird.wav`` -> ``bird.selections.txt``)."""
    return Path(out_dir) / (Path(audio_path).stem + SUFFIXES[fmt])


def _csv_text(rows: list[list[str]], header: Sequence[str] | None, delimiter: str) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    if header is not None:
        w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def csv_bytes(items: Sequence[tuple[str, Sequence[Detection]]]) -> bytes:
    """[(file, detections)] -> CSV with :data:`CSV_COLUMNS`."""
    rows = [[name, f"{d.start_s:.3f}", f"{d.end_s:.3f}", d.label, f"{d.confidence:.4f}"]
            for name, dets in items for d in dets]
    return _csv_text(rows, CSV_COLUMNS, ",")


def _label_text(text: str) -> str:
    """Label text on one line with no tabs (both formats are line- and tab-based)."""
    return " ".join(text.replace("\t", " ").split())


def audacity_bytes(dets: Sequence[Detection]) -> bytes:
    """Audacity label track: ``start\\tend\\tlabel`` per line, seconds, 6 decimals."""
    lines = [f"{d.start_s:.6f}\t{d.end_s:.6f}\t{_label_text(d.label)}\n" for d in dets]
    return "".join(lines).encode("utf-8")


def raven_bytes(dets: Sequence[Detection], low_hz: float, high_hz: float) -> bytes:
    """Raven selection table: one selection per detection on channel 1's spectrogram view.

    ``low_hz``/``high_hz``: the band the model listens to (its mel range).
    """
    rows = [[str(i), "Spectrogram 1", "1", f"{d.start_s:.6f}", f"{d.end_s:.6f}",
             f"{low_hz:.1f}", f"{high_hz:.1f}", _label_text(d.label), f"{d.confidence:.4f}"]
            for i, d in enumerate(dets, start=1)]
    return _csv_text(rows, RAVEN_COLUMNS, "\t")


def write_detections(path: str | os.PathLike[str], fmt: str,
                     items: Sequence[tuple[str, Sequence[Detection]]],
                     band_hz: tuple[float, float] = (0.0, 0.0)) -> None:
    """Write ``items`` [(audio file, detections)] to ``path`` atomically.

    CSV takes any number of files (a ``file`` column); Audacity and Raven tables describe
    one recording each, so they take exactly one item.
    """
    if fmt not in FORMATS:
        raise AudioclfError(f"unknown detection format {fmt!r} (choose: {', '.join(FORMATS)})")
    if fmt == "csv":
        data = csv_bytes(items)
    else:
        if len(items) != 1:
            raise AudioclfError(f"a {fmt} file describes one recording; give a folder for "
                                f"{len(items)} files")
        dets = items[0][1]
        data = audacity_bytes(dets) if fmt == "audacity" else raven_bytes(dets, *band_hz)
    atomic_write_bytes(path, data)
