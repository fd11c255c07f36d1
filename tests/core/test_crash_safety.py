"""Nothing lost: SIGKILL in the middle of saving a model, a clip or a recording, or training.

Each test runs the writer in a child process and kills it with SIGKILL (no cleanup runs),
either at a chosen point (between writing the temp file and renaming it, via a hook) or at
random moments of a save loop; the file under the final name must always be complete.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from audioclf import audio
from audioclf.checkpoint import load_model
from audioclf.cli import main

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}


def child(code: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_line(p: subprocess.Popen[str], want: str, timeout_s: float = 120.0) -> str:
    t0 = time.monotonic()
    assert p.stdout is not None
    while time.monotonic() - t0 < timeout_s:
        line = p.stdout.readline()
        if not line:
            raise AssertionError(f"child ended early: {p.stderr.read() if p.stderr else ''}")
        if line.startswith(want):
            return line.strip()
    raise AssertionError(f"no '{want}' from the child in {timeout_s} s")


def kill(p: subprocess.Popen[str]) -> None:
    p.send_signal(signal.SIGKILL)
    p.wait(30)
    assert p.returncode == -signal.SIGKILL


SAVE_LOOP = """
    import sys, time
    import torch
    from audioclf.checkpoint import ModelBundle, build_model, load_model, save_model
    from audioclf.config import ModelConfig
    import audioclf.fsutil as fsutil
    b = load_model(sys.argv[1] if len(sys.argv) > 1 else {model!r})
    mc = ModelConfig(conv_channels=(8, 16), hidden_size=384)  # about 10 MB: slow to write
    big = ModelBundle(build_model(b.feature_config, mc, b.labels), b.feature_config, mc, b.labels)
    if {hook!r}:
        real = fsutil.os.replace
        def stall(src, dst):
            print("written", flush=True)
            time.sleep(600)  # killed here: temp complete, not yet renamed
        fsutil.os.replace = stall
    i = 0
    while True:
        big.training = {{"i": i}}
        save_model({out!r}, big)
        print(f"saved {{i}}", flush=True)
        i += 1
"""


def test_model_save_killed_before_rename_keeps_previous(tiny_model, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "m.safetensors"
    out.write_bytes(tiny_model.read_bytes())
    before = out.read_bytes()
    p = child(SAVE_LOOP.format(model=str(tiny_model), out=str(out), hook=True))
    wait_line(p, "written")
    kill(p)
    assert out.read_bytes() == before  # the previous model, untouched
    assert load_model(out).labels == ["chirp", "noise", "tone"]


@pytest.mark.parametrize("delay_s", [0.05, 0.2, 0.45])
def test_model_save_killed_at_random_moments_is_always_loadable(tiny_model, tmp_path, delay_s) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "m.safetensors"
    p = child(SAVE_LOOP.format(model=str(tiny_model), out=str(out), hook=False))
    first = wait_line(p, "saved")
    time.sleep(delay_s)  # somewhere inside a later save
    kill(p)
    b = load_model(out)  # complete: the first save or a later one, never half of one
    assert b.model_config.hidden_size == 384 and b.training["i"] >= int(first.split()[1])


CLIP_LOOP = """
    import time
    import numpy as np
    import audioclf.fsutil as fsutil
    from audioclf.audio.io import write_audio
    x = (0.5 * np.sin(np.arange(48000 * 20) / 7.0)).astype(np.float32)  # 20 s, 48 kHz
    if {hook!r}:
        def stall(src, dst):
            print("written", flush=True)
            time.sleep(600)
        fsutil.os.replace = stall
    i = 0
    while True:
        write_audio({out!r}, x[: 48000 * (10 + i % 10)], 48000)
        print(f"saved {{i}}", flush=True)
        i += 1
"""


def test_write_audio_killed_before_rename_keeps_previous(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "clip.wav"
    audio.write_audio(out, np.zeros(800, np.float32), 8000)
    before = out.read_bytes()
    p = child(CLIP_LOOP.format(out=str(out), hook=True))
    wait_line(p, "written")
    kill(p)
    assert out.read_bytes() == before and audio.load(out).size == 800


@pytest.mark.parametrize("delay_s", [0.03, 0.15])
def test_write_audio_killed_at_random_moments_is_always_readable(tmp_path, delay_s) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "clip.wav"
    p = child(CLIP_LOOP.format(out=str(out), hook=False))
    wait_line(p, "saved")
    time.sleep(delay_s)
    kill(p)
    x = audio.load(out)
    assert x.size % 48000 == 0 and 10 <= x.size // 48000 < 20  # one whole clip


RECORD = """
    import time
    import numpy as np
    from audioclf.audio.recorder import StreamRecorder
    sr = 8000
    rec = StreamRecorder({out!r}, sr, flush_s=1.0)
    n = 0
    while True:
        t = np.arange(n, n + 400)  # 50 ms blocks of a known signal, 10x real time
        rec.write((0.5 * np.sin(t / 5.0)).astype(np.float32))
        n += 400
        print(f"written {{n}} flushed {{rec.frames_flushed}}", flush=True)
        time.sleep(0.005)
"""


def test_recording_survives_sigkill_up_to_the_last_second(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "rec.wav"
    p = child(RECORD.format(out=str(out)))
    line = ""
    while "flushed 0" in line or not line or int(line.split()[1]) < 8000 * 3.5:
        line = wait_line(p, "written")
    kill(p)
    written, flushed = int(line.split()[1]), int(line.split()[3])
    x = audio.load(out)
    assert x.size >= flushed and x.size >= written - 8000 - 400  # at most ~1 s lost
    t = np.arange(x.size)
    assert np.abs(x - 0.5 * np.sin(t / 5.0)).max() < 1e-3  # exactly what was captured


def test_recorder_in_live_session_writes_what_was_heard(tiny_model, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from audioclf.audio.recorder import StreamRecorder
    from audioclf.inference import Classifier
    from audioclf.live import ArraySource, LiveSession

    clf = Classifier.from_file(tiny_model, "cpu")
    x = (0.3 * np.sin(np.arange(3 * 16000) / 3.0)).astype(np.float32)  # 3 s at 16 kHz
    rec = StreamRecorder(tmp_path / "live.wav", clf.fcfg.sample_rate)
    sess = LiveSession(clf, ArraySource(x, 16000), recorder=rec)
    sess.start()
    assert sess.wait(60) and sess.error is None
    assert rec.closed
    y = audio.load(tmp_path / "live.wav")
    heard = sess.recording()
    assert y.size == heard.size == sess.samples_in
    assert np.abs(y - heard).max() < 1e-4


def test_training_killed_then_resumed_continues_the_epoch_count(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from synth import make_dataset

    data = make_dataset(tmp_path / "data", per_class=6, seed=3)
    out = tmp_path / "m.safetensors"
    small = ["--sample-rate", "8000", "--n-mels", "32", "--conv-channels", "4", "8",
             "--hidden-size", "16", "--device", "cpu", "--workers", "1", "--no-augment",
             "--val-fraction", "0", "--batch-size", "8", "--quiet"]  # no split: saves each epoch
    p = subprocess.Popen([sys.executable, "-m", "audioclf", "train", str(data), "--out", str(out),
                          "--epochs", "200", "--patience", "200", *small], cwd=ROOT, env=ENV,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    t0 = time.monotonic()
    while not out.exists():
        assert p.poll() is None, p.stderr.read() if p.stderr else ""
        assert time.monotonic() - t0 < 180, "no epoch saved in 3 minutes"
        time.sleep(0.05)
    time.sleep(0.3)  # maybe in the middle of the next save
    kill(p)
    first = load_model(out)  # intact: the last epoch saved before the kill
    k = first.training["epoch"]
    assert k >= 1
    code = main(["train", str(data), "--out", str(out), "--resume", "--epochs", "2", *small])
    _, err = capsys.readouterr()
    assert code == 0, err
    again = load_model(out)
    assert again.training["epoch"] == k + 2  # the count goes on from the killed run
    assert again.feature_config == first.feature_config
