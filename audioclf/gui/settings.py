"""Remembered choices (QSettings): names, keys and defaults in one place."""

from __future__ import annotations

import os

from PySide6.QtCore import QSettings

ORG_NAME = "audioclf"  # QSettings organisation (folder name on disk)
APP_NAME = "audioclf"  # QSettings application name
SETTINGS_ENV = "AUDIOCLF_SETTINGS"  # an .ini path that overrides the per-user store

# Keys and their defaults
GEOMETRY = "window/geometry"
STATE = "window/state"
COLORMAP = "view/colormap"
DEFAULT_COLORMAP = "inferno"
DB_RANGE = "view/db_range"
DEFAULT_DB_RANGE = 80  # dB shown below DB_TOP
DEVICE = "model/device"
DEFAULT_DEVICE = "auto"
RECENT = "files/recent"
MAX_RECENT = 10

COLORMAPS = ("inferno", "magma", "viridis", "plasma", "cividis", "CET-L1")  # CET-L1: grey
DB_RANGES = (60, 80, 100)
DB_TOP = -10.0  # dB at the top of the colour scale (loud speech is about -12 dB)


def open_settings(path: str | None = None) -> QSettings:
    """The app's settings: an .ini file when given (tests, benchmarks), else per user."""
    path = path or os.environ.get(SETTINGS_ENV)
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORG_NAME, APP_NAME)


def get_str(s: QSettings, key: str, default: str) -> str:
    v = s.value(key, default)
    return v if isinstance(v, str) else default


def get_int(s: QSettings, key: str, default: int) -> int:
    try:
        return int(s.value(key, default))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default


def recent_files(s: QSettings) -> list[str]:
    v = s.value(RECENT, [])
    if isinstance(v, str):
        v = [v]
    return [p for p in (v or []) if isinstance(p, str)]


def add_recent(s: QSettings, paths: list[str]) -> list[str]:
    """Put ``paths`` first (most recent last in ``paths`` wins), keep MAX_RECENT."""
    out = recent_files(s)
    for p in paths:
        if p in out:
            out.remove(p)
        out.insert(0, p)
    out = out[:MAX_RECENT]
    s.setValue(RECENT, out)
    return out
