"""Playback of the selected file (QtMultimedia), failing gracefully where there is no sound.

The QMediaPlayer is created on the first play, so a window that never plays (tests,
headless machines) never loads a multimedia backend.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, QUrl, Signal

CURSOR_INTERVAL_MS = 30  # cursor refresh while playing


class Player(QObject):
    positionChanged = Signal(float)  # seconds
    playingChanged = Signal(bool)
    failed = Signal(str)  # one-line message for the status bar

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._player = None
        self._output = None
        self._path: str | None = None
        self._pending_seek_s = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(CURSOR_INTERVAL_MS)
        self._timer.timeout.connect(self._tick)

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    def set_source(self, path: str | None) -> None:
        self.stop()
        self._path, self._pending_seek_s = path, 0.0
        if self._player is not None:
            self._player.setSource(QUrl.fromLocalFile(path) if path else QUrl())

    def _ensure(self) -> bool:
        if self._player is not None:
            return True
        try:
            from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer
        except ImportError as exc:
            self.failed.emit(f"Playback unavailable: QtMultimedia cannot load ({exc})")
            return False
        if not QMediaDevices.audioOutputs():
            self.failed.emit("Playback unavailable: no audio output device")
            return False
        self._output = QAudioOutput(self)
        self._player = QMediaPlayer(self)
        self._player.setAudioOutput(self._output)
        self._player.errorOccurred.connect(self._error)
        self._player.playbackStateChanged.connect(self._state)
        if self._path:
            self._player.setSource(QUrl.fromLocalFile(self._path))
        return True

    def toggle(self) -> None:
        if self._path is None:
            return
        if self.playing:
            self.pause()
        elif self._ensure() and self._player is not None:
            self._player.setPosition(int(self._pending_seek_s * 1000))
            self._player.play()
            self._timer.start()
            self.playingChanged.emit(True)

    def pause(self) -> None:
        if self._player is not None:
            self._player.pause()
            self._pending_seek_s = self._player.position() / 1000.0
        self._timer.stop()
        self.playingChanged.emit(False)

    def stop(self) -> None:
        if self._player is not None:
            self._player.stop()
        if self._timer.isActive():
            self._timer.stop()
            self.playingChanged.emit(False)

    def seek(self, t_s: float) -> None:
        self._pending_seek_s = max(0.0, t_s)
        if self._player is not None:
            self._player.setPosition(int(self._pending_seek_s * 1000))
        self.positionChanged.emit(self._pending_seek_s)

    def _tick(self) -> None:
        if self._player is not None:
            self.positionChanged.emit(self._player.position() / 1000.0)

    def _state(self, state) -> None:  # type: ignore[no-untyped-def]
        from PySide6.QtMultimedia import QMediaPlayer

        if state == QMediaPlayer.PlaybackState.StoppedState and self._timer.isActive():
            self._timer.stop()
            self._pending_seek_s = 0.0
            self.playingChanged.emit(False)

    def _error(self, _err, message: str) -> None:  # type: ignore[no-untyped-def]
        self.stop()
        self.failed.emit(f"Playback failed: {message or 'unknown error'}")
