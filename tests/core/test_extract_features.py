"""dataset.extract_features: the same features, in order, whether files are decoded in the
calling thread or in threads; unreadable files reported in place."""

import threading

import numpy as np
import soundfile as sf
import torch

from audioclf import dataset
from audioclf.config import FeatureConfig

CFG = FeatureConfig.for_sample_rate(8000, n_mels=40)


def _files(tmp_path, n=24):
    rng = np.random.default_rng(0)
    paths = []
    for i in range(n):
        p = tmp_path / f"c{i}.wav"
        if i == 5:
            p.write_bytes(b"not audio at all")
        else:
            sf.write(p, 0.1 * rng.standard_normal(800 + 40 * i), 8000)
        paths.append(str(p))
    return paths


def _run(paths, monkeypatch, **kw):
    seen_threads = set()
    real = dataset.file_features

    def spy(*a, **k):
        seen_threads.add(threading.get_ident())
        return real(*a, **k)

    monkeypatch.setattr(dataset, "file_features", spy)
    out = list(dataset.extract_features(paths, CFG, **kw))
    return out, seen_threads


def test_short_clips_stay_in_the_calling_thread_long_ones_go_to_threads(tmp_path, monkeypatch):
    paths = _files(tmp_path)
    inline, inline_threads = _run(paths, monkeypatch, workers=2, probe=4)  # tiny clips: fast
    assert inline_threads == {threading.get_ident()}
    threaded, threaded_threads = _run(paths, monkeypatch, workers=2, probe=4,
                                      thread_above_s=0.0)  # everything counts as slow
    assert len(threaded_threads - {threading.get_ident()}) >= 1  # the rest went to threads
    single, single_threads = _run(paths, monkeypatch, workers=1, thread_above_s=0.0)
    assert single_threads == {threading.get_ident()}
    for out in (inline, threaded, single):
        assert [i for i, _, _ in out] == list(range(len(paths)))  # in order, one each
        assert out[5][1] is None and out[5][2]  # the bad file: no features, a reason
    for (_, a, _), (_, b, _), (_, c, _) in zip(inline, threaded, single):
        if a is not None:
            assert torch.equal(a, b) and torch.equal(a, c)
