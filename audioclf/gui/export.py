"""Write the results table and the timelines to files (Qt-free, atomic writes)."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Sequence

from audioclf.fsutil import atomic_write_bytes
from audioclf.inference import FileFailure, FileResult

Row = FileResult | FileFailure
TABLE_COLUMNS = ("file", "duration_s", "top_class", "confidence", "top3", "error")


def top3_text(r: FileResult) -> str:
    return ", ".join(f"{name} {p:.0%}" for name, p in r.top(3))


def table_rows(rows: Sequence[Row]) -> list[list[str]]:
    out = []
    for r in rows:
        if isinstance(r, FileFailure):
            out.append([r.path, "", "", "", "", r.error])
        else:
            out.append([r.path, f"{r.duration_s:.3f}", r.label, f"{r.confidence:.4f}",
                        "; ".join(f"{n}={p:.4f}" for n, p in r.top(3)), ""])
    return out


def _csv_bytes(header: Sequence[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def write_table_csv(path: str | os.PathLike[str], rows: Sequence[Row]) -> None:
    """One line per file: file, duration_s, top_class, confidence, top3, error."""
    atomic_write_bytes(path, _csv_bytes(TABLE_COLUMNS, table_rows(rows)))


def write_timelines_csv(path: str | os.PathLike[str], rows: Sequence[Row]) -> None:
    """Tidy format, one line per (file, time, class): file, time_s, class, probability."""
    lines = []
    for r in rows:
        if isinstance(r, FileResult):
            for t, p in zip(r.times, r.timeline):
                lines.extend([r.path, f"{t:.3f}", lab, f"{q:.5f}"] for lab, q in zip(r.labels, p))
    atomic_write_bytes(path, _csv_bytes(("file", "time_s", "class", "probability"), lines))


def write_timelines_json(path: str | os.PathLike[str], rows: Sequence[Row]) -> None:
    """A list of {file, duration_s, labels, clip_probs, times_s, probs (N x K) | error}."""
    data: list[dict[str, object]] = []
    for r in rows:
        if isinstance(r, FileFailure):
            data.append({"file": r.path, "error": r.error})
        else:
            data.append({"file": r.path, "duration_s": round(r.duration_s, 4),
                         "labels": list(r.labels),
                         "clip_probs": [round(float(p), 5) for p in r.probs],
                         "times_s": [round(float(t), 4) for t in r.times],
                         "probs": [[round(float(q), 5) for q in p] for p in r.timeline]})
    atomic_write_bytes(path, json.dumps(data, indent=1).encode("utf-8"))


def write_export(path: str | os.PathLike[str], rows: Sequence[Row], what: str) -> None:
    """``what`` = "table" (CSV) or "timelines" (CSV or JSON by the file's extension)."""
    if what == "table":
        write_table_csv(path, rows)
    elif os.fspath(path).lower().endswith(".json"):
        write_timelines_json(path, rows)
    else:
        write_timelines_csv(path, rows)
