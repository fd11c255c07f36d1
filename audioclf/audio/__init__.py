"""Audio input: decoding files (io) and live capture buffers (ringbuffer)."""

from audioclf.audio.io import (
    AUDIO_EXTENSIONS,
    AudioInfo,
    find_audio_files,
    is_audio_path,
    iter_chunks,
    load,
    probe,
    resample,
    to_mono,
    write_audio,
)

__all__ = [
    "AUDIO_EXTENSIONS",
    "AudioInfo",
    "find_audio_files",
    "is_audio_path",
    "iter_chunks",
    "load",
    "probe",
    "resample",
    "to_mono",
    "write_audio",
]
