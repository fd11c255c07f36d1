"""Capture faults without hardware: a fake PortAudio that only offers 44.1 kHz stereo, one that
offers nothing, and a stream that stalls. Each gives a clear one-line message or adapts."""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np
import pytest

from audioclf.audio import capture
from audioclf.audio.capture import InputDevice, MicCapture, StreamConverter, negotiate
from audioclf.errors import AudioclfError


class FakePortAudioError(Exception):
    pass


class FakeStream:
    """Calls the callback with 10 ms blocks of a stereo 440 Hz tone, unless ``silent``."""

    def __init__(self, samplerate: int, channels: int, callback: Any, silent: bool,
                 **_: Any) -> None:
        self.rate, self.channels, self.callback, self.silent = samplerate, channels, callback, silent
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        n, k = self.rate // 100, 0
        while not self._stop.is_set():
            if not self.silent:
                t = (np.arange(n) + k) / self.rate
                block = np.repeat((0.5 * np.sin(2 * np.pi * 440 * t))[:, None], self.channels, 1)
                self.callback(block.astype(np.float32), n, None, None)
                k += n
            time.sleep(0.002)

    def start(self) -> None:
        self._t.start()

    def abort(self) -> None:
        self._stop.set()
        self._t.join(timeout=2)

    def close(self) -> None:
        pass


class FakeSD:
    PortAudioError = FakePortAudioError

    def __init__(self, formats: set[tuple[int, int]], silent: bool = False) -> None:
        self.formats, self.silent = formats, silent

    def check_input_settings(self, device: int, samplerate: int, channels: int,
                             dtype: str) -> None:
        if (samplerate, channels) not in self.formats:
            raise FakePortAudioError(f"Invalid sample rate or channel count ({samplerate}, {channels})")

    def InputStream(self, **kw: Any) -> FakeStream:
        kw.pop("finished_callback", None)
        return FakeStream(kw.pop("samplerate"), kw.pop("channels"), kw.pop("callback"),
                          self.silent, **kw)


DEV = InputDevice(3, "USB mic (44.1 kHz stereo only)", 2, 44100.0, "ALSA", True)


def test_device_that_only_offers_44k_stereo_is_converted(monkeypatch):
    monkeypatch.setattr(capture, "_sd", lambda: FakeSD({(44100, 2)}))
    assert negotiate(DEV, 8000) == (44100, 2)
    mic = MicCapture(DEV, 8000, buffer_s=2.0)
    mic.start()
    try:
        time.sleep(0.3)
        mic.check()  # no fault
        frames = mic.ring.read_all()
    finally:
        mic.stop()
    assert frames.ndim == 2 and frames.shape[1] == 2 and frames.shape[0] > 4410
    conv = StreamConverter(44100, 8000)
    mono = np.concatenate([conv.push(frames), conv.flush()])  # it holds back filter context
    assert mono.ndim == 1 and abs(mono.size - frames.shape[0] * 8000 / 44100) < 2
    spec = np.abs(np.fft.rfft(mono[1000:]))
    assert abs(np.argmax(spec) * 8000 / (mono.size - 1000) - 440) < 15


def test_device_with_no_usable_format_gives_one_line(monkeypatch):
    monkeypatch.setattr(capture, "_sd", lambda: FakeSD(set()))
    with pytest.raises(AudioclfError) as ei:
        MicCapture(DEV, 8000)
    msg = str(ei.value)
    assert "supports no usable format" in msg and DEV.name in msg and "\n" not in msg


def test_stalled_stream_is_reported_and_capture_can_restart(monkeypatch):
    monkeypatch.setattr(capture, "START_GRACE_S", 0.2)
    fake = FakeSD({(8000, 1)}, silent=True)
    monkeypatch.setattr(capture, "_sd", lambda: fake)
    mic = MicCapture(DEV, 8000, stall_s=0.2)
    mic.start()
    time.sleep(0.5)
    with pytest.raises(AudioclfError, match="stalled: no audio for"):
        mic.check()
    mic.stop()
    fake.silent = False  # the device comes back: a restart works
    mic.start()
    try:
        time.sleep(0.3)
        mic.check()
        assert mic.ring.read_all().shape[0] > 0
    finally:
        mic.stop()
