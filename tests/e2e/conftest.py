"""Fixtures for end-to-end live tests: a private PulseAudio server with virtual mics."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from vmic import PipeFeeder, PulseServer, pulse_available


def require_pulse() -> None:
    """Off Linux: skip. On Linux the project's set-up installs PulseAudio, so its absence fails."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the virtual microphone needs PulseAudio (Linux)")
    if not pulse_available():
        pytest.fail("pulseaudio/pactl not installed: run scripts/system-deps.sh (make test does)")


@pytest.fixture
def pulse() -> Iterator[PulseServer]:
    """A fresh private PulseAudio server (started and stopped by PID) for one test."""
    require_pulse()
    server = PulseServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pipemic(pulse: PulseServer) -> Iterator[tuple[PulseServer, PipeFeeder]]:
    """The server plus a feeder writing paced 16 kHz audio (zeros when idle) into pipemic."""
    feeder = PipeFeeder(pulse.fifo).start()
    try:
        yield pulse, feeder
    finally:
        feeder.stop()
