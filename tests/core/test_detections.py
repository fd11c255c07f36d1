"""Detections: segments from a timeline, and each file format against its documentation.

Documented columns checked here:

* Audacity label track, "Importing and Exporting Labels" in the Audacity manual
  (manual.audacityteam.org/man/importing_and_exporting_labels.html): plain text, one label
  per line, tab-delimited: start time (s), end time (s), label text; no header line; a line
  starting with a backslash would be the optional frequency line, which we never write.
* Raven selection table, Raven Pro 1.4 User's Manual, chapter 6 "Selection tables / Saving
  selection tables": tab-delimited text with a header row naming the columns; the default
  measurements are Selection, View, Channel, Begin Time (s), End Time (s), Low Freq (Hz),
  High Freq (Hz), in that order; further columns are annotations (here Annotation and
  Confidence). Selection numbers start at 1; View is the name of the view ("Spectrogram 1").
* CSV (RFC 4180): a header row, comma separated: file, start_s, end_s, label, confidence.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest
import soundfile as sf
from synth import make_clip

from audioclf.cli import main
from audioclf.detections import (
    CSV_COLUMNS,
    RAVEN_COLUMNS,
    Detection,
    audacity_bytes,
    detect,
    raven_bytes,
    write_detections,
)

LABELS = ["bird", "background", "frog"]


def timeline(pattern: str, hop: float = 0.1, first: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """'bbb..ff' -> times, probabilities: b=bird 0.9, f=frog 0.8, .=background 0.9."""
    rows = {"b": [0.9, 0.05, 0.05], "f": [0.1, 0.1, 0.8], ".": [0.05, 0.9, 0.05],
            "?": [0.4, 0.3, 0.3]}
    return first + hop * np.arange(len(pattern)), np.array([rows[c] for c in pattern])


def test_segments_merge_threshold_and_widening():
    t, p = timeline("bbb.bb....ff?f")
    dets = detect(t, p, LABELS, duration_s=2.4)
    assert [d.label for d in dets] == ["bird", "frog"]
    bird, frog = dets
    # one background point between bird runs (0.2 s between centres <= 0.35 s): merged
    assert bird.start_s == 0.0  # the first point owns the audio from 0 s
    assert bird.end_s == pytest.approx(t[5] + 0.05)
    assert bird.confidence == pytest.approx(0.9)
    # '?' (top 0.4 < 0.5) is a gap, merged across; the last point owns audio to the end
    assert frog.start_s == pytest.approx(t[10] - 0.05) and frog.end_s == pytest.approx(2.4)
    assert [d.label for d in detect(t, p, LABELS, 2.4, merge_gap_s=0.1)] == ["bird", "bird",
                                                                           "frog", "frog"]
    assert [d.label for d in detect(t, p, LABELS, 2.4, threshold=0.85)] == ["bird"]
    assert [d.label for d in detect(t, p, LABELS, 2.4, min_duration_s=1.0)] == ["bird"]
    assert detect(np.zeros(0), np.zeros((0, 3)), LABELS, 1.0) == []


def test_short_clip_is_detected_over_its_length():
    t, p = timeline("f", first=0.3)
    assert detect(t, p, LABELS, duration_s=0.6) == [Detection(0.0, 0.6, "frog", 0.8)]


DETS = [Detection(0.0, 1.25, "bird", 0.9), Detection(2.5, 3.0, "frog\tcall", 0.75)]


def test_audacity_label_track_columns():
    lines = audacity_bytes(DETS).decode("utf-8").splitlines()
    assert len(lines) == 2  # no header
    for line, d in zip(lines, DETS):
        start, end, _label = line.split("\t")  # exactly three tab-separated fields
        assert float(start) == pytest.approx(d.start_s) and float(end) == pytest.approx(d.end_s)
        assert float(start) <= float(end) and not line.startswith("\\")
    assert lines[1].split("\t")[2] == "frog call"  # a tab inside a label cannot split it


def test_raven_selection_table_columns():
    text = raven_bytes(DETS, 20.0, 4000.0).decode("utf-8")
    rows = list(csv.reader(text.splitlines(), delimiter="\t"))
    assert rows[0][:7] == ["Selection", "View", "Channel", "Begin Time (s)", "End Time (s)",
                           "Low Freq (Hz)", "High Freq (Hz)"]
    assert tuple(rows[0]) == RAVEN_COLUMNS
    body = [dict(zip(rows[0], r)) for r in rows[1:]]
    assert [r["Selection"] for r in body] == ["1", "2"]
    assert all(r["View"] == "Spectrogram 1" and r["Channel"] == "1" for r in body)
    assert float(body[1]["Begin Time (s)"]) == 2.5 and float(body[1]["End Time (s)"]) == 3.0
    assert float(body[0]["Low Freq (Hz)"]) == 20.0 and float(body[0]["High Freq (Hz)"]) == 4000.0
    assert body[0]["Annotation"] == "bird" and float(body[0]["Confidence"]) == 0.9
    assert all(len(r) == len(RAVEN_COLUMNS) for r in rows)


def test_csv_columns_and_one_recording_formats(tmp_path):
    write_detections(tmp_path / "d.csv", "csv", [("a.wav", DETS), ("b.wav", DETS[:1])])
    with open(tmp_path / "d.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == CSV_COLUMNS == ("file", "start_s", "end_s", "label", "confidence")
    assert [r["file"] for r in rows] == ["a.wav", "a.wav", "b.wav"]
    assert rows[1]["label"] == "frog\tcall"  # CSV quotes what it must
    with pytest.raises(Exception, match="one recording"):
        write_detections(tmp_path / "x.txt", "audacity", [("a.wav", DETS), ("b.wav", DETS)])


def test_cli_detect_all_formats(tiny_model, tmp_path, capsys):
    rng = np.random.default_rng(0)
    gap = np.zeros(4000, np.float32)
    x = np.concatenate([make_clip("tone", rng, dur_s=1.5), gap, make_clip("noise", rng,
                                                                           dur_s=1.5)])
    rec = tmp_path / "rec.wav"
    sf.write(rec, x, 8000)
    sf.write(tmp_path / "rec2.wav", x[:12000], 8000)
    out = tmp_path / "out"
    for fmt in ("csv", "audacity", "raven"):
        assert main(["detect", str(rec), str(tmp_path / "rec2.wav"), "-m", str(tiny_model),
                     "--device", "cpu", "--format", fmt, "--out", f"{out}/"]) == 0
    assert (out / "rec.csv").is_file() and (out / "rec.txt").is_file()
    audacity = (out / "rec.txt").read_text().splitlines()
    labels = [line.split("\t")[2] for line in audacity]
    assert labels and labels[0] == "tone" and set(labels) <= {"chirp", "noise", "tone"}
    starts = [float(line.split("\t")[0]) for line in audacity]
    assert starts == sorted(starts)
    assert float(audacity[-1].split("\t")[1]) <= x.size / 8000 + 1e-6
    raven = (out / "rec.selections.txt").read_text().splitlines()
    assert raven[0].split("\t")[:7] == list(RAVEN_COLUMNS[:7]) and len(raven) == len(audacity) + 1
    assert len(list(csv.DictReader((out / "rec.csv").open()))) == len(audacity)
    # one CSV for several files; Audacity refuses several files into one file
    assert main(["detect", str(rec), str(tmp_path / "rec2.wav"), "-m", str(tiny_model),
                 "--device", "cpu", "--out", str(tmp_path / "all.csv")]) == 0
    assert {r["file"] for r in csv.DictReader((tmp_path / "all.csv").open())} == {
        str(rec), str(tmp_path / "rec2.wav")}
    capsys.readouterr()
    assert main(["detect", str(tmp_path / "nothing.wav"), "-m", str(tiny_model),
                 "--out", str(tmp_path / "n.csv")]) == 1
    assert "audioclf: error:" in capsys.readouterr().err
