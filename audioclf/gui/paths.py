"""Turn dropped or opened paths into the audio files to classify (Qt-free)."""

from __future__ import annotations

import os
from pathlib import Path

from audioclf.audio import find_audio_files, is_audio_path

MAX_FILES = 20_000  # one drop may expand to at most this many files


def expand_paths(paths: list[str]) -> tuple[list[str], list[str]]:
    """-> (audio files in order, folders expanded recursively and sorted; refused paths)."""
    audio: list[str] = []
    refused: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found = find_audio_files(path)
            if found:
                audio.extend(found)
            else:
                refused.append(p)
        elif path.is_file() and is_audio_path(path):
            audio.append(os.fspath(path))
        else:
            refused.append(p)
        if len(audio) > MAX_FILES:
            return audio[:MAX_FILES], refused
    return audio, refused


def refusal_message(refused: list[str], max_named: int = 3) -> str:
    names = ", ".join(Path(p).name or p for p in refused[:max_named])
    more = f" and {len(refused) - max_named} more" if len(refused) > max_named else ""
    exts = " ".join(sorted(e.lstrip(".") for e in _extensions()))
    return f"Not audio, skipped: {names}{more} (audio files: {exts}; folders are searched)"


def _extensions() -> frozenset[str]:
    from audioclf.audio import AUDIO_EXTENSIONS

    return AUDIO_EXTENSIONS
