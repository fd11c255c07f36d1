"""Live engine: streaming equals offline, exact streaming resampling, drop policy, decoding."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from synth import make_clip

from audioclf.audio import resample
from audioclf.audio.capture import StreamConverter
from audioclf.errors import AudioclfError
from audioclf.inference import Classifier
from audioclf.live import ArraySource, LiveSession, LiveUpdate, save_clip_to_class
from audioclf.segments import Segmenter, segment_points


@pytest.fixture(scope="module")
def clf(tiny_model: Path) -> Classifier:
    return Classifier.from_file(tiny_model, "cpu")


def _signal(sr: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    parts = []
    for kind in ("tone", "chirp", "noise", "tone", "chirp"):
        parts += [make_clip(kind, rng, sr, dur_s=0.7), np.zeros(int(0.4 * sr), np.float32)]
    return np.concatenate(parts)


def _run(clf: Classifier, source: ArraySource, **kw: object) -> tuple[LiveSession, list[LiveUpdate]]:
    got: list[LiveUpdate] = []
    sess = LiveSession(clf, source, on_update=got.append, **kw)  # type: ignore[arg-type]
    sess.start()
    assert sess.wait(60), "live session did not end"
    assert sess.error is None, sess.error
    return sess, got


@pytest.mark.parametrize("block_s", [0.1, 0.0137, 0.5])
def test_live_equals_offline(clf: Classifier, block_s: float) -> None:
    x = _signal(clf.fcfg.sample_rate)
    off = clf.classify_array(x, keep_spectrogram=True)
    sess, ups = _run(clf, ArraySource(x, clf.fcfg.sample_rate, block_s=block_s))
    times = np.concatenate([u.times for u in ups])
    probs = np.concatenate([u.probs for u in ups])
    assert len(off.times) > 20
    np.testing.assert_allclose(times, off.times, atol=1e-9)
    np.testing.assert_allclose(probs, off.timeline, atol=1e-4)
    cols = np.concatenate([u.columns_db for u in ups], axis=1)
    np.testing.assert_allclose(cols, off.spectrogram_db, atol=1e-3)
    assert sess.dropped_hops == 0
    np.testing.assert_array_equal(sess.recording(), x)


def test_stream_converter_equals_whole_resample() -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((48000, 2)).astype(np.float32) * 0.3
    for orig, new in ((48000, 8000), (16000, 8000), (44100, 16000), (8000, 8000)):
        conv = StreamConverter(orig, new)
        sizes = rng.integers(1, 2000, size=200)
        pos, out = 0, []
        while pos < x.shape[0]:
            out.append(conv.push(x[pos:pos + sizes[len(out) % 200]]))
            pos += sizes[len(out) % 200 - 1]
        out.append(conv.flush())
        y = np.concatenate(out)
        ref = resample(x.mean(1).astype(np.float32), orig, new)
        assert abs(y.size - ref.size) <= 1
        n = min(y.size, ref.size)
        np.testing.assert_allclose(y[:n], ref[:n], atol=2e-5)


def test_falling_behind_drops_whole_hops(clf: Classifier) -> None:
    sr = clf.fcfg.sample_rate
    x = _signal(sr)
    # paced at 1000x real time: every read finds a big backlog, which must be dropped
    src = ArraySource(x, sr, realtime=True, speed=1000.0)
    sess, ups = _run(clf, src)
    assert sess.dropped_hops > 0
    times = np.concatenate([u.times for u in ups])
    assert times.size < len(clf.classify_array(x).times)
    assert np.all(np.diff(times) > 0)  # time still moves forward across drops


def test_segmenter_collapses_and_separates() -> None:
    labels = ["a", "b", "background"]
    a, b, bg = np.eye(3)[0], np.eye(3)[1], np.eye(3)[2]
    lo = np.array([0.4, 0.3, 0.3])
    seq = [bg, a, a, lo, a, a, b, a, bg, bg, bg, bg, bg, a, a, b, b, b, bg]
    rule = {"threshold": 0.5, "min_points": 2, "merge_gap_s": 0.35}  # the rule, not the defaults
    segs = segment_points(labels, [(0.1 * i, p) for i, p in enumerate(seq)], **rule)
    # a a (gap of one weak point) a a -> one "a"; the lone b/a flicker is ignored;
    # a long background gap separates the second "a"; then "b"
    assert [s.label for s in segs] == ["a", "a", "b"]
    assert segs[0].start_s == pytest.approx(0.1) and segs[0].end_s == pytest.approx(0.5)
    streamed = []
    seg = Segmenter(labels, **rule)  # type: ignore[arg-type]
    for i, p in enumerate(seq):
        streamed += seg.push(0.1 * i, p)
    assert streamed + seg.flush() == segs


def test_save_clip_to_class(tmp_path: Path) -> None:
    x = np.linspace(-0.5, 0.5, 800, dtype=np.float32)
    p1 = save_clip_to_class(tmp_path, "tone", x, 8000)
    p2 = save_clip_to_class(tmp_path, "tone", x, 8000)
    assert p1.parent == tmp_path / "tone" and p1 != p2
    y, sr = sf.read(p1, dtype="float32")
    assert sr == 8000 and np.allclose(y, x, atol=1e-4)
    for bad in ("", "../x", "a/b", ".hidden"):
        with pytest.raises(AudioclfError):
            save_clip_to_class(tmp_path, bad, x, 8000)


def test_core_live_imports_no_qt() -> None:
    code = ("import sys, audioclf.live, audioclf.audio.capture, audioclf.cli_listen, "
            "audioclf.segments; bad=[m for m in sys.modules if m.startswith(('PySide6','pyqtgraph'))];"
            "print(bad); sys.exit(1 if bad else 0)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
