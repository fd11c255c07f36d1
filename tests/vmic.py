"""A private PulseAudio server with virtual microphones, for tests, benchmarks and screenshots.

Recipe from /work/shared/notes/virtual-mic.md: the server runs in the foreground as our own
child process (stopped by its PID, never by name), every runtime path lives in one temp
folder, and two sources exist:

* ``pipemic``: module-pipe-source on a FIFO (s16le, mono, 16 kHz): deterministic; records
  exactly what :class:`PipeFeeder` writes (it writes zeros when it has nothing to play);
* ``vmic``: a null sink's monitor remapped to a real source (play with ``paplay -d vspk``).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections import deque
from pathlib import Path

import numpy as np
from typing_extensions import Self

PIPE_RATE = 16000  # Hz, the FIFO's format
BLOCK_S = 0.01  # the feeder writes 10 ms blocks


def pulse_available() -> bool:
    return shutil.which("pulseaudio") is not None and shutil.which("pactl") is not None


class PulseServer:
    """Start/stop a private PulseAudio server; :attr:`env` points clients at it."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="audioclf-pa-"))
        run = self.dir / "run" / "pulse"
        run.mkdir(parents=True, mode=0o700)
        (self.dir / "state").mkdir(mode=0o700)
        (self.dir / "client.conf").write_text("autospawn = no\n")
        self.fifo = self.dir / "pipemic.fifo"
        self.env = {
            "XDG_RUNTIME_DIR": str(self.dir / "run"), "PULSE_RUNTIME_PATH": str(run),
            "PULSE_STATE_PATH": str(self.dir / "state"),
            "PULSE_SERVER": f"unix:{run}/native",
            "PULSE_CLIENTCONFIG": str(self.dir / "client.conf"),
        }
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 10.0) -> PulseServer:
        mods = [
            f"module-native-protocol-unix auth-anonymous=1 socket={self.env['PULSE_SERVER'][5:]}",
            "module-null-sink sink_name=vspk rate=48000 channels=1",
            "module-null-source source_name=silence rate=48000 channels=1",
            ("module-loopback source=silence sink=vspk latency_msec=30 source_dont_move=true "
            "sink_dont_move=true"),
            "module-remap-source source_name=vmic master=vspk.monitor channels=1",
            (f"module-pipe-source source_name=pipemic file={self.fifo} format=s16le "
            f"rate={PIPE_RATE} channels=1"),
        ]
        cmd = ["pulseaudio", "--daemonize=no", "--system=no", "--use-pid-file=no",
               "--exit-idle-time=-1", "--disallow-exit", "--realtime=no", "--high-priority=no",
               "--no-cpu-limit", "-n"]
        for m in mods:
            cmd += ["-L", m]
        self.proc = subprocess.Popen(cmd, env={**os.environ, **self.env},
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        (self.dir / "pa.pid").write_text(str(self.proc.pid))
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"pulseaudio exited with {self.proc.returncode}")
            if self.pactl("info", check=False).returncode == 0 and self.fifo.exists():
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("pulseaudio did not answer within the timeout")

    def pactl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(["pactl", *args], env={**os.environ, **self.env},
                              capture_output=True, check=check, timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class PipeFeeder:
    """Writes float samples at 16 kHz into the pipemic FIFO in paced 10 ms blocks.

    Zeros are written while nothing is queued, so the source keeps producing frames.
    """

    def __init__(self, fifo: Path) -> None:
        self.fifo = fifo
        self._queue: deque[np.ndarray] = deque()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.written_s = 0.0
        self._thread = threading.Thread(target=self._run, name="pipe-feeder", daemon=True)

    def start(self) -> PipeFeeder:
        self._thread.start()
        return self

    def play(self, samples: np.ndarray) -> None:
        """Queue mono float samples at 16 kHz (played after what is already queued)."""
        with self._lock:
            self._queue.append(np.asarray(samples, np.float32))

    @property
    def pending_s(self) -> float:
        with self._lock:
            return sum(q.size for q in self._queue) / PIPE_RATE

    def _next_block(self, n: int) -> np.ndarray:
        out = np.zeros(n, np.float32)
        got = 0
        with self._lock:
            while got < n and self._queue:
                q = self._queue[0]
                k = min(n - got, q.size)
                out[got:got + k] = q[:k]
                got += k
                if k == q.size:
                    self._queue.popleft()
                else:
                    self._queue[0] = q[k:]
        return out

    def _run(self) -> None:
        n = int(PIPE_RATE * BLOCK_S)
        fd = os.open(self.fifo, os.O_WRONLY)
        try:
            t0 = time.monotonic()
            k = 0
            while not self._stop.is_set():
                block = np.clip(self._next_block(n), -1.0, 1.0)
                os.write(fd, (block * 32767.0).astype("<i2").tobytes())
                k += 1
                self.written_s = k * BLOCK_S
                delay = t0 + k * BLOCK_S - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
        except BrokenPipeError:
            return
        finally:
            os.close(fd)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)


def digits_program(fsdd_test: Path, speaker: str = "jackson", index: int = 0,
                   silence_s: float = 0.5, rate: int = PIPE_RATE) -> tuple[np.ndarray, list[str]]:
    """Digits 0..9 (one clip each) at ``rate`` with ``silence_s`` of silence around each."""
    from audioclf.audio import load

    gap = np.zeros(int(silence_s * rate), np.float32)
    parts, labels = [gap], []
    for d in range(10):
        parts += [load(fsdd_test / str(d) / f"{d}_{speaker}_{index}.wav", rate), gap]
        labels.append(str(d))
    return np.concatenate(parts), labels
