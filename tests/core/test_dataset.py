"""Scanning labelled folders: classes, recursion, hidden files, bad files, splits."""

from __future__ import annotations

import os

import numpy as np
import pytest
import soundfile as sf

from audioclf.dataset import scan_folder, stratified_split
from audioclf.errors import DatasetError


def wav(p, n=800):
    p.parent.mkdir(parents=True, exist_ok=True)
    sf.write(p, np.zeros(n, np.float32) + 0.01, 8000)
    return p


def test_classes_sorted_recursive_case_insensitive_hidden_ignored(tmp_path):
    wav(tmp_path / "zebra" / "a.WAV")
    wav(tmp_path / "zebra" / "sub" / "deep" / "b.wav")
    wav(tmp_path / "apple" / "c.Wav")
    wav(tmp_path / "apple" / ".hidden.wav")
    wav(tmp_path / "apple" / ".git" / "d.wav")
    wav(tmp_path / ".secret" / "e.wav")
    (tmp_path / "apple" / "notes.txt").write_text("hi")
    (tmp_path / "loose.wav").write_bytes(b"")
    f = scan_folder(tmp_path)
    assert f.labels == ["apple", "zebra"]
    assert f.counts() == {"apple": 1, "zebra": 2}
    assert all(os.path.basename(p)[0] != "." for p, _ in f.items)


def test_unreadable_files_are_skipped_and_reported(tmp_path):
    wav(tmp_path / "a" / "ok.wav")
    wav(tmp_path / "b" / "ok.wav")
    (tmp_path / "b" / "bad.wav").write_bytes(b"not audio at all" * 10)
    (tmp_path / "b" / "empty.wav").write_bytes(b"")
    f = scan_folder(tmp_path)
    assert len(f.items) == 2
    reasons = {os.path.basename(p): r for p, r in f.skipped}
    assert set(reasons) == {"bad.wav", "empty.wav"}
    assert "empty" in reasons["empty.wav"]


def test_symlink_loop_does_not_hang(tmp_path):
    wav(tmp_path / "a" / "x.wav")
    wav(tmp_path / "b" / "y.wav")
    os.symlink(tmp_path / "a", tmp_path / "a" / "loop")
    os.symlink(tmp_path / "b" / "self.wav", tmp_path / "b" / "self.wav.lnk.wav")
    f = scan_folder(tmp_path)
    assert f.counts() == {"a": 1, "b": 1}


def test_too_few_classes_and_empty_class(tmp_path):
    wav(tmp_path / "only" / "x.wav")
    with pytest.raises(DatasetError, match="need at least 2"):
        scan_folder(tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="no readable audio: empty"):
        scan_folder(tmp_path)
    with pytest.raises(DatasetError, match="not found"):
        scan_folder(tmp_path / "missing")


def test_several_roots_merge_classes(tmp_path):
    wav(tmp_path / "r1" / "a" / "x.wav")
    wav(tmp_path / "r2" / "a" / "y.wav")
    wav(tmp_path / "r2" / "b" / "z.wav")
    f = scan_folder([tmp_path / "r1", tmp_path / "r2"])
    assert f.counts() == {"a": 2, "b": 1}


def test_stratified_split_is_seeded_and_per_class():
    items = [(f"{c}{i}", c) for c in range(3) for i in range(20)]
    tr, va = stratified_split(items, 0.25, seed=7)
    assert sorted(tr + va) == list(range(60))
    assert [sum(items[i][1] == c for i in va) for c in range(3)] == [5, 5, 5]
    assert stratified_split(items, 0.25, seed=7) == (tr, va)
    assert stratified_split(items, 0.25, seed=8) != (tr, va)
