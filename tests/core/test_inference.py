"""Inference: timeline definition, batching, chunking, and live == offline."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from synth import make_clip, make_dataset

from audioclf.inference import Classifier, FileFailure, FileResult


@pytest.fixture(scope="module")
def clf(tiny_model):
    return Classifier.from_file(tiny_model, "cpu")


def long_signal(seconds: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    parts = []
    while sum(p.size for p in parts) < seconds * 8000:
        parts.append(make_clip(str(rng.choice(["tone", "chirp", "noise"])), rng))
        parts.append(np.zeros(int(rng.uniform(0.1, 0.5) * 8000), np.float32))
    return np.concatenate(parts)[: int(seconds * 8000)]


def test_timeline_definition(clf):
    x = long_signal(5.0)
    r = clf.classify_array(x)
    w, h = clf.window, clf.hop
    n_frames = clf.fcfg.num_frames(x.size)
    assert len(r.times) == 1 + (n_frames - w) // h
    assert r.timeline.shape == (len(r.times), 3)
    assert np.allclose(r.timeline.sum(1), 1, atol=1e-5)
    assert np.allclose(np.diff(r.times), h * clf.fcfg.hop_length / clf.fcfg.sample_rate)
    assert r.times[0] == pytest.approx(clf.window_time_s(0, w))
    assert np.allclose(r.probs, r.timeline.mean(0), atol=1e-6)
    # each point is the model on that window alone
    from audioclf.features import logmel_array

    f = logmel_array(x, clf.fcfg)
    k = 7
    alone = clf.probs_of([f[:, k * h: k * h + w]])[0]
    assert np.abs(alone - r.timeline[k]).max() < 1e-5


def test_short_clip_is_one_window(clf):
    x = make_clip("tone", np.random.default_rng(1), dur_s=0.4)
    r = clf.classify_array(x)
    assert r.timeline.shape == (1, 3) and np.allclose(r.probs, r.timeline[0])
    assert r.label == "tone"


def test_streaming_equals_offline(clf):
    x = long_signal(6.0, seed=3)
    offline = clf.classify_array(x)
    s = clf.stream()
    rng = np.random.default_rng(0)
    times, probs, i = [], [], 0
    while i < x.size:
        n = int(rng.integers(50, 1600))
        _, pts = s.push(x[i:i + n])
        i += n
        for t, p in pts:
            times.append(t)
            probs.append(p)
    assert np.allclose(times, offline.times)
    assert np.abs(np.array(probs) - offline.timeline).max() < 1e-4


def test_chunked_file_equals_array_and_many_files_batch(clf, tmp_path):
    x = long_signal(7.0, seed=5)
    p = tmp_path / "long.wav"
    sf.write(p, x, 8000, subtype="FLOAT")
    a = clf.classify_array(x)
    b = clf.classify_file(p, chunk_s=0.9, keep_spectrogram=True)
    assert np.abs(a.timeline - b.timeline).max() < 1e-4
    assert b.spectrogram_db is not None and b.spectrogram_db.shape[0] == clf.fcfg.n_mels
    data = make_dataset(tmp_path / "d", per_class=4, seed=9)
    files = sorted(str(f) for f in data.rglob("*.wav"))
    (tmp_path / "bad.wav").write_bytes(b"junk" * 100)
    files.insert(3, str(tmp_path / "bad.wav"))
    files.append(str(p))
    out = list(clf.classify_files(files))
    assert [o.path for o in out] == files
    assert isinstance(out[3], FileFailure) and "not a readable audio file" in out[3].error
    singles = [clf.classify_file(f) for f in files if f != str(tmp_path / "bad.wav")]
    batched = [o for o in out if isinstance(o, FileResult)]
    for s1, b1 in zip(singles, batched):
        assert np.abs(s1.probs - b1.probs).max() < 1e-5
    correct = [o.label == o.path.split("/")[-2] for o in batched[:-1]]
    assert np.mean(correct) > 0.9


def test_short_clips_come_out_in_groups_whatever_the_batch(clf, tmp_path, monkeypatch):
    """With the default batch of 256 windows, many short files still give their first
    results after CLIP_GROUP clips are decoded, not after all of them."""
    from audioclf import audio
    from audioclf.config import BATCH_SIZE
    from audioclf.inference import CLIP_GROUP

    assert clf.batch_size == BATCH_SIZE > CLIP_GROUP
    rng = np.random.default_rng(4)
    files = []
    for i in range(CLIP_GROUP + 6):
        f = tmp_path / f"c{i}.wav"
        sf.write(f, make_clip("tone", rng, dur_s=0.3), 8000)
        files.append(f)
    loads = []
    real_load = audio.load
    monkeypatch.setattr(audio, "load", lambda *a, **k: loads.append(1) or real_load(*a, **k))
    it = clf.classify_files(files)
    first = next(it)
    assert isinstance(first, FileResult) and len(loads) == CLIP_GROUP
    rest = list(it)
    assert len(rest) == len(files) - 1 and len(loads) == len(files)


def test_run_of_windows_within_and_across_buffers():
    """Consecutive windows give back the frames they cover, whether they are views of one
    buffer (a view is returned) or come from several pushes (a copy)."""
    import torch

    from audioclf.inference import Windower, _run_of

    frames = torch.arange(3 * 400, dtype=torch.float32).reshape(3, 400)
    win = Windower(50, 10)
    one = win.push(frames[:, :200])  # one buffer
    run = _run_of(one, 10)
    assert run.untyped_storage().data_ptr() == one[0][1].untyped_storage().data_ptr()
    assert torch.equal(run, frames[:, : (len(one) - 1) * 10 + 50])
    later = win.push(frames[:, 200:260]) + win.push(frames[:, 260:400])  # two buffers
    both = one[-2:] + later
    start = both[0][0]
    assert torch.equal(_run_of(both, 10), frames[:, start:start + (len(both) - 1) * 10 + 50])
