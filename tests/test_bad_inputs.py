"""The whole bad-input corpus (tests/badinputs.py) through every path a user can take.

CLI predict (in-process per file, and all files in one subprocess), CLI train (the corpus
inside a training folder, with a link loop), GUI drop, model loading (CLI info, core, GUI).
Valid inputs must give the same result as the core on the same sound; invalid ones must give
one line that names the file and the cause, and nothing else may go wrong.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from badinputs import Case, build_audio_corpus, build_model_corpus, build_training_folder

from audioclf.cli import main
from audioclf.errors import ModelFileError

ROOT = Path(__file__).resolve().parents[1]
WAIT_MS = 30_000


@pytest.fixture(scope="session")
def audio_corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Case]:
    return build_audio_corpus(tmp_path_factory.mktemp("badinputs") / "files")


@pytest.fixture(scope="session")
def ref_labels(tiny_model: Path, audio_corpus: list[Case]) -> dict[str, str]:
    """What the core says about each valid case's sound (given as an array)."""
    from audioclf.inference import Classifier

    clf = Classifier.from_file(tiny_model, "cpu")
    return {c.name: clf.classify_array(c.ref).label for c in audio_corpus if c.ref is not None}


def _one_line_error(err: str, case: Case) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, (case.name, err)
    assert lines[0].startswith("audioclf: error: "), (case.name, err)
    assert case.path.name in lines[0] and case.expect in lines[0], (case.name, err)
    assert "Traceback" not in err and "unexpected" not in err, (case.name, err)


# ---------------------------------------------------------------------------- CLI predict
def test_cli_predict_every_input(capsys, tiny_model, audio_corpus, ref_labels) -> None:  # type: ignore[no-untyped-def]
    assert sum(c.valid for c in audio_corpus) >= 9 and sum(not c.valid for c in audio_corpus) >= 12
    for case in audio_corpus:
        code = main(["predict", "--model", str(tiny_model), str(case.path), "--json"])
        out, err = capsys.readouterr()
        rows = json.loads(out)
        assert len(rows) == 1, case.name
        if case.valid:
            assert code == 0 and err == "", (case.name, err)
            r = rows[0]
            p = np.array(list(r["probs"].values()))
            assert np.isfinite(p).all() and abs(p.sum() - 1) < 1e-4, case.name
            assert r["label"] == ref_labels[case.name], case.name
        else:
            assert code == 1, case.name
            assert "error" in rows[0] and "label" not in rows[0], case.name
            _one_line_error(err, case)


def _decoder_noise(line: str) -> bool:
    """libmpg123 (inside libsndfile) prints warnings straight to file descriptor 2."""
    return line.startswith(("Warning: ", "Note: ", "[src/libmpg123"))


def test_cli_predict_whole_corpus_at_once(tiny_model, audio_corpus, ref_labels) -> None:  # type: ignore[no-untyped-def]
    """One subprocess, every input in one command: good ones still classified, exit 1."""
    p = subprocess.run(
        [sys.executable, "-m", "audioclf", "predict", "--model", str(tiny_model), "--json",
         *[str(c.path) for c in audio_corpus]],
        capture_output=True, text=True, timeout=300, cwd=ROOT, check=False)
    assert p.returncode == 1
    rows = json.loads(p.stdout)
    by_name = {Path(r["file"]).name: r for r in rows}
    assert len(rows) == len(audio_corpus)
    ours = [ln for ln in p.stderr.splitlines() if ln.startswith("audioclf:")]
    other = [ln for ln in p.stderr.splitlines() if not ln.startswith("audioclf:")]
    assert all(_decoder_noise(ln) for ln in other), other
    assert len(ours) == sum(not c.valid for c in audio_corpus)
    for c in audio_corpus:
        r = by_name[c.path.name]
        if c.valid:
            assert r["label"] == ref_labels[c.name], c.name
        else:
            assert c.expect in r["error"], (c.name, r)


@pytest.mark.skipif(not hasattr(os, "setuid") or os.geteuid() != 0,
                    reason="needs root to drop to another user (as non-root, chmod 000 is "
                    "already unreadable and covered by the corpus)")
def test_unreadable_files_as_another_user(audio_corpus, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Root reads chmod 000 files, so a forked child drops to 'nobody' and reads them there.

    (The interpreter itself lives under /root, which 'nobody' cannot execute, so the child is
    forked rather than started; it only decodes, no torch, so forking is safe.)
    """
    from audioclf import audio
    from audioclf.errors import AudioError

    base = Path(tempfile.mkdtemp(prefix="audioclf-perm-"))
    try:
        os.chmod(base, 0o755)
        src = next(c.path for c in audio_corpus if c.name == "8 kHz")
        locked, good = base / "locked.wav", base / "good.wav"
        shutil.copyfile(src, locked)
        shutil.copyfile(src, good)
        os.chmod(locked, 0)
        os.chmod(good, 0o644)
        hidden = base / "private"
        hidden.mkdir(mode=0o700)
        inside = hidden / "inside.wav"
        shutil.copyfile(src, inside)
        r, wfd = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: never returns into pytest
            try:
                os.close(r)
                os.setgid(65534)
                os.setuid(65534)
                out = []
                for p in (locked, inside, good):
                    try:
                        out.append(f"ok {audio.load(p).size}")
                    except AudioError as exc:
                        out.append(f"error {exc}")
                    except BaseException as exc:  # noqa: BLE001 - reported to the parent
                        out.append(f"UNEXPECTED {type(exc).__name__}: {exc}")
                os.write(wfd, "\n".join(out).encode())
            finally:
                os._exit(0)
        os.close(wfd)
        with os.fdopen(r) as fh:
            got = fh.read().splitlines()
        os.waitpid(pid, 0)
        assert got == [f"error {locked}: permission denied", f"error {inside}: permission denied",
                       "ok 8000"], got
    finally:
        shutil.rmtree(base, ignore_errors=True)


# ---------------------------------------------------------------------------- CLI train
def test_cli_train_skips_and_reports_bad_files(capsys, audio_corpus, tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = build_training_folder(tmp_path / "data", audio_corpus)
    out = tmp_path / "m.safetensors"
    code = main(["train", str(folder), "--out", str(out), "--epochs", "2", "--batch-size", "16",
                 "--sample-rate", "8000", "--n-mels", "32", "--conv-channels", "4", "8",
                 "--hidden-size", "16", "--device", "cpu", "--workers", "1", "--no-augment"])
    _, err = capsys.readouterr()
    assert code == 0, err
    assert out.exists() and "saved" in err
    skipped = {Path(ln.split(": ")[0].removeprefix("skipped ")).name: ln
               for ln in err.splitlines() if ln.startswith("skipped ")}
    bad = {c.path.name: c for c in audio_corpus if not c.valid and c.in_folder_scan}
    assert set(skipped) == set(bad), (sorted(skipped), sorted(bad))
    for name, c in bad.items():
        assert c.expect in skipped[name], skipped[name]
        assert "\n" not in skipped[name]
    from audioclf.checkpoint import load_model

    counts = load_model(out).training["class_counts"]
    n_valid = sum(c.valid and c.in_folder_scan for c in audio_corpus)
    assert counts == {"chirp": 8, "noise": 8, "tone": 8 + n_valid}  # loops not followed
    assert f"{len(bad)} files skipped" in err


# ---------------------------------------------------------------------------- model files
@pytest.fixture(scope="session")
def model_corpus(tiny_model, tmp_path_factory):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("badmodels")
    marker = root / "PWNED"
    return build_model_corpus(root / "models", tiny_model, marker), marker


def test_every_bad_model_file_is_refused_clearly(capsys, model_corpus) -> None:  # type: ignore[no-untyped-def]
    from audioclf.checkpoint import load_model

    cases, marker = model_corpus
    assert len(cases) >= 25
    for c in cases:
        with pytest.raises(ModelFileError) as ei:
            load_model(c.path)
        msg = str(ei.value)
        assert "\n" not in msg and str(c.path) in msg and c.expect in msg, (c.name, msg)
        code = main(["info", "--model", str(c.path)])
        out, err = capsys.readouterr()
        assert code == 1 and out == "", c.name
        assert err.count("\n") == 1 and err.startswith("audioclf: error: ") and c.expect in err
    assert not marker.exists()  # nothing was unpickled


# ---------------------------------------------------------------------------- GUI drop
def test_gui_drop_of_the_whole_corpus(qtbot, tiny_model, audio_corpus, ref_labels, model_corpus,  # type: ignore[no-untyped-def]
                                      tmp_path, capfd) -> None:
    pytest.importorskip("PySide6")
    from qtwin import drop, make_window

    w = make_window(qtbot, tiny_model, tmp_path, WAIT_MS)
    drop(w, [c.path for c in audio_corpus])
    qtbot.waitUntil(lambda: not w._jobs and bool(w.table.source.rows), timeout=WAIT_MS)
    rows = {Path(r.path).name: r for r in w.table.source.rows}
    refused_text = w.notice.text() if w.notice.isVisible() else ""
    for c in audio_corpus:
        r = rows.get(c.path.name)
        if c.valid:
            assert r is not None and r.state == "done", c.name
            assert r.result.label == ref_labels[c.name], c.name
        elif r is not None:  # an error row that names the file and the cause, one line
            assert r.state == "error", c.name
            assert c.path.name in r.result.error and c.expect in r.result.error, c.name
            assert "\n" not in r.result.error
        else:  # not a file (a folder, a link loop): refused with a message naming it
            assert c.path.name in refused_text, (c.name, refused_text)
    # still usable: a hostile model is refused, the loaded one kept, a good file classified
    models, marker = model_corpus
    w.load_model(str(models[0].path))
    qtbot.waitUntil(lambda: w.notice.isVisible() and "not an audioclf" in w.notice.text(),
                    timeout=WAIT_MS)
    assert not marker.exists() and w.model is not None and w.model.path == str(tiny_model)
    good = next(c for c in audio_corpus if c.name == "8 kHz")
    n = len(w.table.source.rows)
    drop(w, [good.path])
    qtbot.waitUntil(lambda: not w._jobs and len(w.table.source.rows) == n + 1, timeout=WAIT_MS)
    assert w.table.source.rows[-1].state == "done"
    w.close()
    assert not w.host.thread.isRunning()
    assert "QThread" not in capfd.readouterr().err
