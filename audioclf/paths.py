"""Per-user locations (XDG on Linux, the platform's conventions elsewhere), Qt-free.

Settings live in QSettings (the GUI, :mod:`audioclf.gui.settings`), recent files there too;
everything else that audioclf writes on its own goes below these folders. Each can be
redirected with an environment variable (tests, portable installs).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "audioclf"
LOG_DIR_ENV = "AUDIOCLF_LOG_DIR"  # overrides user_log_dir()
CACHE_DIR_ENV = "AUDIOCLF_CACHE_DIR"  # overrides user_cache_dir()
RECORDINGS_DIR_ENV = "AUDIOCLF_RECORDINGS_DIR"  # overrides user_recordings_dir()
LOG_FILE_NAME = "audioclf.log"


def _dir(env: str, default: str) -> Path:
    value = os.environ.get(env)
    return Path(value) if value else Path(default)


def user_log_dir() -> Path:
    """Log folder, e.g. ``~/.local/state/audioclf/log`` on Linux (not created here)."""
    return _dir(LOG_DIR_ENV, platformdirs.user_log_dir(APP_NAME, appauthor=False))


def user_cache_dir() -> Path:
    """Cache folder, e.g. ``~/.cache/audioclf`` on Linux (not created here)."""
    return _dir(CACHE_DIR_ENV, platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def user_recordings_dir() -> Path:
    """Where live takes are streamed to disk, e.g. ``~/.local/share/audioclf/recordings``."""
    return _dir(RECORDINGS_DIR_ENV,
                str(Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "recordings"))


def log_file() -> Path:
    """The current log file (rotated to ``audioclf.log.1`` ... by :mod:`audioclf.logs`)."""
    return user_log_dir() / LOG_FILE_NAME
