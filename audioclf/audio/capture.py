"""Microphone capture (Qt-free): device list and choice, negotiation, and format conversion.

* :func:`list_input_devices` / :func:`find_device`: PortAudio input devices via sounddevice.
* :class:`MicCapture`: an InputStream whose callback only copies frames into a
  :class:`~audioclf.audio.ringbuffer.RingBuffer` (DESIGN.md habit 6) and notes status flags.
  :meth:`MicCapture.check` turns the stream's state into one-line :class:`AudioclfError`\\ s:
  device vanished (stream finished or aborted), stalled (no frames for ``stall_s``).
* :class:`StreamConverter`: (n, C) frames at the device rate -> mono float32 at the model
  rate, block by block, equal (to float rounding) to resampling the whole signal at once.

sounddevice is imported lazily so the rest of the package works without PortAudio.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from audioclf.audio.io import _context_samples, resample, to_mono
from audioclf.audio.ringbuffer import RingBuffer
from audioclf.errors import AudioclfError

BUFFER_S = 10.0  # seconds of device audio the ring buffer holds before overwriting
STALL_S = 3.0  # no frames for this long (after the stream started) is "stalled"
START_GRACE_S = 5.0  # a fresh stream may take this long to deliver its first frames


def _sd() -> Any:
    try:
        import sounddevice as sd
    except OSError as exc:  # PortAudio shared library missing
        raise AudioclfError(f"audio input unavailable: {exc} (install libportaudio2)") from None
    return sd


@dataclass(frozen=True)
class InputDevice:
    """One PortAudio input device."""

    index: int
    name: str
    channels: int  # max input channels
    default_rate: float  # Hz
    hostapi: str
    is_default: bool

    def describe(self) -> str:
        mark = "*" if self.is_default else " "
        return (f"{mark} {self.index:3d}  {self.name}  ({self.hostapi}, {self.channels} ch, "
                f"{self.default_rate:.0f} Hz)")


def list_input_devices(refresh: bool = True) -> list[InputDevice]:
    """Input devices now present. ``refresh`` re-scans (PortAudio caches its list at start)."""
    sd = _sd()
    if refresh:
        try:
            sd._terminate()
            sd._initialize()
        except (AttributeError, sd.PortAudioError):
            pass  # older sounddevice, or re-init refused: keep the cached list
    try:
        devices = sd.query_devices()
        hostapis = sd.query_hostapis()
        default_in = sd.default.device[0]
    except sd.PortAudioError as exc:
        raise AudioclfError(f"cannot list audio devices: {exc}") from None
    if default_in is None or default_in < 0:
        default_in = next((d["index"] for d in devices if d["max_input_channels"] > 0), -1)
    return [InputDevice(int(d["index"]), str(d["name"]), int(d["max_input_channels"]),
                        float(d["default_samplerate"]), str(hostapis[d["hostapi"]]["name"]),
                        int(d["index"]) == default_in)
            for d in devices if d["max_input_channels"] > 0]


def find_device(spec: str | int | None = None, refresh: bool = True) -> InputDevice:
    """The default input (``None``), an index, or the first name containing ``spec``."""
    devices = list_input_devices(refresh)
    if not devices:
        raise AudioclfError("no audio input device found (is a microphone connected?)")
    if spec is None or spec == "":
        return next((d for d in devices if d.is_default), devices[0])
    if isinstance(spec, int) or str(spec).strip().isdigit():
        idx = int(spec)
        for d in devices:
            if d.index == idx:
                return d
        raise AudioclfError(f"no input device with index {idx} "
                            f"(inputs: {', '.join(str(d.index) for d in devices)})")
    want = str(spec).strip().lower()
    exact = [d for d in devices if d.name.lower() == want]
    match = exact or [d for d in devices if want in d.name.lower()]
    if not match:
        raise AudioclfError(f"no input device matches '{spec}' "
                            f"(inputs: {', '.join(d.name for d in devices)})")
    return match[0]


def negotiate(device: InputDevice, model_rate: int) -> tuple[int, int]:
    """(sample rate Hz, channels) the device accepts: the model rate if it can, else its own."""
    sd = _sd()
    rates = [model_rate, int(device.default_rate)]
    chans = sorted({1, min(2, device.channels), device.channels})
    last = ""
    for rate in dict.fromkeys(rates):
        for ch in chans:
            try:
                sd.check_input_settings(device=device.index, samplerate=rate, channels=ch,
                                        dtype="float32")
                return rate, ch
            except (sd.PortAudioError, ValueError) as exc:
                last = str(exc)
    raise AudioclfError(f"input device '{device.name}' supports no usable format "
                        f"(tried {rates} Hz, {chans} channels): {last}")


class MicCapture:
    """An open input stream filling a ring buffer; start/stop may be repeated."""

    def __init__(self, device: InputDevice, model_rate: int, buffer_s: float = BUFFER_S,
                 stall_s: float = STALL_S, blocksize: int = 0) -> None:
        self.device = device
        self.rate, self.channels = negotiate(device, model_rate)
        self.ring = RingBuffer(max(1, int(buffer_s * self.rate)), self.channels)
        self.stall_s = stall_s
        self.blocksize = blocksize  # 0: let the host choose
        self.status_flags = 0  # input overflows etc. seen by the callback (count)
        self._stream: Any = None
        self._finished = threading.Event()
        self._stopping = False
        self._last_frames_t = 0.0  # monotonic time of the last callback with frames
        self._started_t = 0.0
        self._got_any = False

    # The callback runs in PortAudio's thread: copy, note the time, nothing else.
    def _callback(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        if status:
            self.status_flags += 1
        self.ring.write(indata)
        self._last_frames_t = time.monotonic()
        self._got_any = True

    def _on_finished(self) -> None:
        self._finished.set()

    def start(self) -> None:
        sd = _sd()
        self.stop()
        self._finished.clear()
        self._stopping = False
        self.ring.clear()
        try:
            self._stream = sd.InputStream(
                device=self.device.index, samplerate=self.rate, channels=self.channels,
                dtype="float32", blocksize=self.blocksize, callback=self._callback,
                finished_callback=self._on_finished)
            self._stream.start()
        except (sd.PortAudioError, ValueError) as exc:
            self._stream = None
            raise AudioclfError(f"cannot open input '{self.device.name}' at {self.rate} Hz, "
                                f"{self.channels} ch: {exc}") from None
        self._started_t = self._last_frames_t = time.monotonic()
        self._got_any = False

    def stop(self) -> None:
        if self._stream is None:
            return
        self._stopping = True
        stream, self._stream = self._stream, None
        try:
            stream.abort()
            stream.close()
        except _sd().PortAudioError:
            pass  # the device is already gone: nothing left to close

    @property
    def running(self) -> bool:
        return self._stream is not None

    def check(self) -> None:
        """Raise a one-line AudioclfError if the stream died or stalled; else return."""
        if self._stream is None:
            return
        name = self.device.name
        if self._finished.is_set() and not self._stopping:
            raise AudioclfError(f"audio input '{name}' stopped (device disconnected?)")
        now = time.monotonic()
        limit = self.stall_s if self._got_any else max(self.stall_s, START_GRACE_S)
        if now - self._last_frames_t > limit:
            what = "no audio" if not self._got_any else "audio stopped"
            raise AudioclfError(f"audio input '{name}' stalled: {what} for "
                                f"{now - self._last_frames_t:.1f} s")


class StreamConverter:
    """Device frames (n, C) at ``orig_rate`` -> mono float32 (m,) at ``new_rate``, streaming.

    Downmix is the channel mean (as :func:`audioclf.audio.to_mono`). Resampling uses the
    same torchaudio kernel as :func:`audioclf.audio.resample` on blocks with ``ctx`` samples
    of context on each side, so the output equals resampling the whole signal (to float
    rounding), delayed by at most ``ctx + down`` input samples (about 1-2 ms).
    """

    def __init__(self, orig_rate: int, new_rate: int) -> None:
        self.orig_rate, self.new_rate = int(orig_rate), int(new_rate)
        self.passthrough = self.orig_rate == self.new_rate
        if not self.passthrough:
            self.down, self.up, self.ctx = _context_samples(self.orig_rate, self.new_rate)
            self._buf = np.zeros(self.ctx, np.float32)  # ctx of history, then pending input

    def push(self, frames: np.ndarray) -> np.ndarray:
        """Add frames (n, C) or (n,); return the mono samples now complete at the new rate."""
        x = to_mono(np.asarray(frames, np.float32))
        if self.passthrough:
            return x
        self._buf = np.concatenate([self._buf, x])
        avail = self._buf.size - 2 * self.ctx  # input samples with full context both sides
        m = (avail // self.down) * self.down
        if m <= 0:
            return np.zeros(0, np.float32)
        seg = self._buf[: self.ctx + m + self.ctx]
        y = resample(seg, self.orig_rate, self.new_rate)
        start = self.ctx * self.up // self.down
        out = y[start:start + m * self.up // self.down]
        self._buf = self._buf[m:]
        return np.ascontiguousarray(out)

    def flush(self) -> np.ndarray:
        """At the end of a stream: the rest, with zeros as right context."""
        if self.passthrough:
            return np.zeros(0, np.float32)
        rest = self._buf.size - self.ctx
        if rest <= 0:
            return np.zeros(0, np.float32)
        seg = np.concatenate([self._buf, np.zeros(self.ctx, np.float32)])
        y = resample(seg, self.orig_rate, self.new_rate)
        start = self.ctx * self.up // self.down
        self._buf = self._buf[-self.ctx:]
        return np.ascontiguousarray(y[start:start + math.ceil(rest * self.up / self.down)])
