"""The Live view (offscreen): fed from an array source paced like a microphone."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from synth import make_clip

from audioclf.checkpoint import default_model_path
from audioclf.errors import AudioclfError
from audioclf.gui.live_view import LiveView
from audioclf.inference import Classifier
from audioclf.live import ArraySource
from audioclf.segments import segment_points

# ../shared beside the checkout (as in CI), or AUDIOCLF_FSDD
FSDD_TEST = Path(os.environ.get("AUDIOCLF_FSDD", Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "fsdd")) / "test"


class FailingSource(ArraySource):
    """Delivers audio for a while, then reports a vanished device."""

    def check(self) -> None:
        if self._pos > self.rate:
            raise AudioclfError("audio input 'test' stopped (device disconnected?)")


def _view(qtbot, model: Path, factory, tmp_path: Path) -> LiveView:  # type: ignore[no-untyped-def]
    view = LiveView(model, source_factory=factory, settings_path=str(tmp_path / "s.ini"),
                    compute_device="cpu")
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    return view


def test_live_view_scrolls_and_shows_sounds(qtbot, tiny_model: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(5)
    sr = 8000
    gap = np.zeros(int(0.8 * sr), np.float32)
    kinds = ["tone", "chirp", "noise"]
    x = np.concatenate([gap] + [p for k in kinds for p in (make_clip(k, rng, sr, 0.9), gap)])
    view = _view(qtbot, tiny_model, lambda rate: ArraySource(x, rate, realtime=True, speed=3.0),
                 tmp_path)
    view.record_action.trigger()
    assert view.session is not None and view.record_button.isChecked()
    qtbot.waitUntil(lambda: view.session is None, timeout=30000)  # the array ran out
    assert not view.record_action.isChecked()
    assert view.plots.draws > 5 and view.plots.n_cols > 200
    heard = view.heard_label.text().split()[1:]
    # the view shows exactly what the core decodes offline from the same samples, and the
    # three sounds are among them in order (the tiny test model may add a weak extra event)
    clf = Classifier.from_file(tiny_model, "cpu")
    r = clf.classify_array(x)
    offline = [s.label for s in segment_points(r.labels, zip(r.times, r.timeline))]
    assert heard == offline, (view.heard_label.text(), offline)
    it = iter(heard)
    assert all(k in it for k in kinds), heard
    assert view.save_button.isEnabled()
    # the take was streamed to disk while it was heard (crash-safe, see test_crash_safety)
    assert view.take_path is not None and view.take_path.parent.name == "recordings"
    take, take_sr = sf.read(view.take_path, dtype="float32")
    assert take_sr == sr and abs(take.size - x.size) <= 1
    assert np.abs(take - x[: take.size]).max() < 1e-3  # 16-bit PCM of the same samples
    out = view.save_recording(tmp_path / "rec.flac")
    y, r = sf.read(out, dtype="float32")
    assert r == sr and abs(y.size - x.size) <= 1
    clip = view.add_to_class(tmp_path / "data", "tone")
    assert clip.parent == tmp_path / "data" / "tone"
    assert sf.info(clip).duration == pytest.approx(1.0)


def test_live_view_reports_faults_and_can_restart(qtbot, tiny_model: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    def no_device(rate: int) -> ArraySource:
        raise AudioclfError("no audio input device found (is a microphone connected?)")

    view = _view(qtbot, tiny_model, no_device, tmp_path)
    view.record_action.trigger()
    assert view.session is None and not view.record_action.isChecked()
    assert "no audio input device" in view.status_label.text()
    x = np.zeros(8000 * 5, np.float32)
    view.source_factory = lambda rate: FailingSource(x, rate, realtime=True, speed=4.0)
    view.record_action.trigger()
    assert view.session is not None
    qtbot.waitUntil(lambda: view.session is None, timeout=20000)
    assert "disconnected" in view.status_label.text()
    view.source_factory = lambda rate: ArraySource(x[:8000], rate, realtime=True, speed=4.0)
    view.record_action.trigger()  # usable again
    qtbot.waitUntil(lambda: view.session is None, timeout=20000)
    assert view.status_label.text().startswith("Stopped")


def test_live_view_shows_spoken_digits(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    if not FSDD_TEST.is_dir():
        pytest.skip(f"{FSDD_TEST} not present")
    model = default_model_path()
    assert model.exists(), f"the default model {model} is missing: this test needs it"
    from vmic import digits_program

    x, expected = digits_program(FSDD_TEST, rate=8000)
    view = _view(qtbot, model, lambda rate: ArraySource(x, 8000, realtime=True, speed=2.0),
                 tmp_path)
    view.record_action.trigger()
    qtbot.waitUntil(lambda: view.session is None, timeout=60000)
    heard = view.heard_label.text().split()[1:]
    matched = sum(1 for a, b in zip(heard, expected) if a == b)
    assert matched >= 9 or len([d for d in expected if d in heard]) >= 9, heard
