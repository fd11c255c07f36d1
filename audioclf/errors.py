"""The project's one error type.

Every failure a user can cause (bad file, bad folder, bad model file, bad option) raises
an :class:`AudioclfError` whose message is one line naming the thing and the cause. The CLI
prints that line; the GUI shows it in a message or an error row.
"""

from __future__ import annotations

import os


class AudioclfError(Exception):
    """A user-facing error: ``str(err)`` is one line that names the file and the cause."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))  # always one line


class AudioError(AudioclfError):
    """Audio could not be read or is not usable (missing, empty, truncated, not audio, NaN...)."""

    def __init__(self, path: str | os.PathLike[str] | None, cause: str) -> None:
        self.path = None if path is None else os.fspath(path)
        self.cause = cause
        where = f"{self.path}: " if self.path is not None else ""
        super().__init__(f"{where}{cause}")


class ModelFileError(AudioclfError):
    """A model file is missing, not a model file, from a newer version, or inconsistent."""

    def __init__(self, path: str | os.PathLike[str], cause: str) -> None:
        self.path = os.fspath(path)
        super().__init__(f"{self.path}: {cause}")


class DatasetError(AudioclfError):
    """A labelled folder cannot be used for training or evaluation."""
