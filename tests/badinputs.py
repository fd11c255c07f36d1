"""A generated corpus of hostile audio inputs and hostile model files (no committed binaries).

Each :class:`Case` says whether the input is *valid* (it must give a correct result) or
*invalid* (it must give a clear one-line error whose text contains ``expect``). Valid cases
made from a known signal carry ``ref``: the same sound as mono float32 at 8 kHz, so a test can
check the file is classified as the core classifies that signal.

``build_audio_corpus(root)`` writes the audio cases; ``build_training_folder(root, cases)``
makes a labelled folder with good clips next to the corpus (and a symbolic-link loop);
``build_model_corpus(root, good_model)`` writes corrupt and hostile model files.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import stat
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
from synth import SR, make_clip, make_dataset


@dataclass(frozen=True)
class Case:
    name: str
    path: Path
    valid: bool  # True: a correct result is required; False: a clear one-line error
    expect: str = ""  # invalid: a substring of the error; valid: unused
    ref: np.ndarray | None = None  # valid: the sound it holds, mono float32 at 8 kHz
    note: str = ""
    in_folder_scan: bool = True  # a file that scanning a training folder sees (not a folder)


def _tone(seconds: float = 1.0, seed: int = 7) -> np.ndarray:
    return make_clip("tone", np.random.default_rng(seed), SR, seconds)


def _resample_tone(x: np.ndarray, sr: int) -> np.ndarray:
    """The 8 kHz tone at another rate by band-limited (FFT) resampling."""
    from scipy.signal import resample

    return resample(x.astype(np.float64), round(x.size * sr / SR)).astype(np.float32)


def _write(p: Path, data: bytes) -> Path:
    p.write_bytes(data)
    return p


def build_audio_corpus(root: Path) -> list[Case]:
    """Write every hostile audio input under ``root`` and return the cases."""
    root.mkdir(parents=True, exist_ok=True)
    x = _tone()
    cases: list[Case] = []

    def add(name: str, path: Path, valid: bool, expect: str = "", ref: np.ndarray | None = None,
            note: str = "", in_folder_scan: bool = True) -> None:
        cases.append(Case(name, path, valid, expect, ref, note, in_folder_scan))

    # -- invalid: nothing or not audio
    add("empty file", _write(root / "empty.wav", b""), False, "empty")
    sf.write(root / "full.wav", x, SR)
    raw = (root / "full.wav").read_bytes()
    (root / "full.wav").unlink()
    add("44-byte WAV header, no data", _write(root / "header_only.wav", raw[:44]), False,
        "no audio samples")
    add("random bytes .flac", _write(root / "random.flac", np.random.default_rng(1).bytes(6000)),
        False, "not a readable audio file")
    add("random bytes .mp3", _write(root / "random.mp3", np.random.default_rng(2).bytes(6000)),
        False, "not a readable audio file")
    add("text renamed .wav", _write(root / "text.wav", b"Dear user, this is not audio.\n" * 40),
        False, "not a readable audio file")
    (root / "x.wav").mkdir()
    add("folder named x.wav", root / "x.wav", False, "folder", in_folder_scan=False,
        note="a folder is searched, not read: a training scan walks into it (empty)")
    # -- truncated files: what survives is decoded, or the cut is reported
    sf.write(root / "t.wav", x, SR)
    b = (root / "t.wav").read_bytes()
    (root / "t.wav").unlink()
    cut = _write(root / "truncated.wav", b[: 44 + 2 * 3000 + 1])  # odd byte cut mid-sample
    add("truncated WAV", cut, True, ref=x[:3000], note="the 3000 samples present are classified")
    for ext, fmt, sub, frac, expect in (
            ("flac", "FLAC", "PCM_16", 0.5, "truncated or corrupt audio"),
            ("mp3", "MP3", "MPEG_LAYER_III", 0.1, "not a readable audio file"),
            ("ogg", "OGG", "VORBIS", 0.5, "not a readable audio file")):
        p = root / f"truncated.{ext}"
        sf.write(p, x, SR, format=fmt, subtype=sub)
        data = p.read_bytes()
        p.write_bytes(data[: int(len(data) * frac)])
        add(f"truncated {ext.upper()}", p, False, expect)
    # -- invalid samples
    y = x.copy()
    y[100] = np.nan
    sf.write(root / "nan.wav", y, SR, subtype="FLOAT")
    add("NaN in a float WAV", root / "nan.wav", False, "NaN or infinite")
    y[100] = np.inf
    sf.write(root / "inf.wav", y, SR, subtype="FLOAT")
    add("Inf in a float WAV", root / "inf.wav", False, "NaN or infinite")
    sf.write(root / "huge_values.wav", x * np.float32(1e30), SR, subtype="FLOAT")
    add("1e30 samples in a float WAV", root / "huge_values.wav", False, "far outside")
    os.mkfifo(root / "fifo.wav")  # opening it for reading would block forever
    add("named pipe .wav", root / "fifo.wav", False, "not a regular file",
        note="refused before opening (open() on a FIFO blocks)")
    # -- symbolic-link loop between two files
    a, c = root / "loop_a.wav", root / "loop_b.wav"
    os.symlink(c.name, a)
    os.symlink(a.name, c)
    add("symbolic-link loop (file)", a, False, "symbolic link")
    # -- valid but unusual
    sf.write(root / "one_sample.wav", np.array([0.5], np.float32), SR)
    add("1-sample audio", root / "one_sample.wav", True, ref=np.array([0.5], np.float32))
    z = np.zeros(SR, np.float32)
    sf.write(root / "silence.wav", z, SR)
    add("silence", root / "silence.wav", True, ref=z)
    clip = np.clip(8 * x, -1, 1).astype(np.float32)
    sf.write(root / "clipping.wav", clip, SR, subtype="PCM_16")
    add("full-scale clipping", root / "clipping.wav", True, ref=clip)
    sf.write(root / "eight_channels.wav", np.stack([x] * 8, 1), SR, subtype="FLOAT")
    add("8 channels", root / "eight_channels.wav", True, ref=x)
    sf.write(root / "rate_8k.wav", x, SR, subtype="FLOAT")
    add("8 kHz", root / "rate_8k.wav", True, ref=x)
    sf.write(root / "rate_192k.wav", _resample_tone(x, 192_000), 192_000, subtype="FLOAT")
    add("192 kHz", root / "rate_192k.wav", True, ref=x)
    sf.write(root / "pcm24.wav", x, SR, subtype="PCM_24")
    add("24-bit", root / "pcm24.wav", True, ref=x)
    sf.write(root / "float32.wav", x, SR, subtype="FLOAT")
    add("32-bit float", root / "float32.wav", True, ref=x)
    uni = root / "тон_音_é ñ.wav"
    sf.write(uni, x, SR)
    add("non-ASCII name", uni, True, ref=x)
    locked = root / "unreadable.wav"
    sf.write(locked, x, SR)
    os.chmod(locked, 0)
    readable = os.access(locked, os.R_OK)  # root (CAP_DAC_OVERRIDE) can still read it
    add("chmod 000", locked, readable, "" if readable else "permission denied",
        ref=x if readable else None,
        note="readable here (running as root): valid; refused when dropped to another user"
        if readable else "")
    return cases


def build_training_folder(root: Path, cases: list[Case], per_class: int = 8) -> Path:
    """Good clips of chirp/noise/tone + every corpus input in tone/bad/ + a folder link loop."""
    make_dataset(root, per_class=per_class, seed=11)
    bad = root / "tone" / "bad"
    bad.mkdir()
    for c in cases:
        dst = bad / c.path.name
        if c.path.is_symlink():
            os.symlink(os.readlink(c.path), dst)
        elif c.path.is_dir():
            dst.mkdir()
        elif stat.S_ISFIFO(c.path.stat().st_mode):
            os.mkfifo(dst)
        else:
            shutil.copyfile(c.path, dst)
            os.chmod(dst, c.path.stat().st_mode & 0o777)
    os.symlink("..", root / "tone" / "loop")  # tone/loop -> tone: a folder link loop
    os.symlink("../../noise", bad / "up")  # and a link back up the tree
    return root


# ---------------------------------------------------------------------------- model files

@dataclass(frozen=True)
class ModelCase:
    name: str
    path: Path
    expect: str  # substring of the ModelFileError message


class _Evil:
    """Unpickling this creates ``marker`` (it would run any code)."""

    marker = ""

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (open, (_Evil.marker, "w"))


def _st_bytes(header: dict, body: bytes = b"") -> bytes:  # type: ignore[type-arg]
    h = json.dumps(header).encode()
    return struct.pack("<Q", len(h)) + h + body


def build_model_corpus(root: Path, good_model: Path, marker: Path) -> list[ModelCase]:
    """Corrupt and hostile model files. ``marker`` must never be created by loading them."""
    import torch
    from safetensors.torch import load as st_load
    from safetensors.torch import save as st_save

    root.mkdir(parents=True, exist_ok=True)
    good = good_model.read_bytes()
    n = struct.unpack("<Q", good[:8])[0]
    header = json.loads(good[8:8 + n])
    meta = dict(header["__metadata__"])
    tensors = st_load(good)
    out: list[ModelCase] = []

    def raw(name: str, data: bytes, expect: str) -> None:
        p = root / f"{name}.safetensors"
        p.write_bytes(data)
        out.append(ModelCase(name, p, expect))

    def st(name: str, expect: str, meta_over: dict | None = None,  # type: ignore[type-arg]
           t: dict | None = None) -> None:  # type: ignore[type-arg]
        m = {k: v for k, v in {**meta, **(meta_over or {})}.items() if v is not None}
        raw(name, st_save(t if t is not None else tensors, metadata=m), expect)

    _Evil.marker = str(marker)
    raw("pickle_creates_file", pickle.dumps({"state_dict": _Evil()}), "not an audioclf model")
    zp = root / "torch_save_zip.safetensors"
    torch.save({"x": _Evil()}, zp)
    out.append(ModelCase("torch.save zip pickle", zp, "not an audioclf model"))
    raw("empty", b"", "too short")
    raw("truncated", good[: len(good) // 2], "corrupt model weights")
    raw("header_only", good[: 8 + n], "corrupt model weights")
    raw("random_bytes", np.random.default_rng(3).bytes(4096), "not an audioclf model")
    raw("text", b"this is a text file\n" * 20, "not an audioclf model")
    raw("header_length_huge", struct.pack("<Q", 2**63) + b"{}", "no safetensors header")
    raw("header_not_json", struct.pack("<Q", 10) + b"\xff" * 10, "unreadable header")
    raw("header_json_list", _st_bytes([1, 2]), "no metadata")  # type: ignore[arg-type]
    raw("no_metadata", _st_bytes({}), "no metadata")
    st("wrong_format_name", "wrong kind", {"format": "something-else"})
    st("future_version", "newer than this audioclf", {"format_version": "999"})
    st("version_not_int", "invalid format version", {"format_version": "one"})
    st("missing_labels", "missing labels", {"labels": None})
    st("labels_not_list", "labels", {"labels": json.dumps({"a": 1})})
    st("duplicate_labels", "labels", {"labels": json.dumps(["a", "a", "b"])})
    st("missing_feature_config", "missing feature_config", {"feature_config": None})
    fc = json.loads(meta["feature_config"])
    st("bad_sample_rate", "invalid settings", {"feature_config": json.dumps({**fc, "sample_rate": -5})})
    mc = json.loads(meta["model_config"])
    st("huge_hidden_size", "do not match",
       {"model_config": json.dumps({**mc, "hidden_size": 10**7})})  # would need ~1.6 PB
    st("wrong_tensor_shape", "do not match", {"model_config": json.dumps({**mc, "hidden_size": 9})})
    t2 = dict(tensors)
    t2.pop(min(t2))
    st("missing_tensor", "do not match", t=t2)
    st("extra_tensor", "do not match", t={**tensors, "evil.weight": torch.zeros(3)})
    tn = {k: v.clone() for k, v in tensors.items()}
    first_float = next(k for k, v in tn.items() if v.is_floating_point())
    tn[first_float].view(-1)[0] = float("nan")
    st("nan_weights", "NaN or infinite", t=tn)
    bad_off = dict(header)
    k0 = next(k for k in bad_off if k != "__metadata__")
    bad_off[k0] = {**bad_off[k0], "data_offsets": [0, 10**9]}
    raw("offsets_past_end", _st_bytes(bad_off, good[8 + n:]), "corrupt model weights")
    (root / "folder.safetensors").mkdir()
    out.append(ModelCase("folder", root / "folder.safetensors", "not a file"))
    out.append(ModelCase("missing", root / "missing.safetensors", "not found"))
    big = root / "huge_sparse.safetensors"
    with open(big, "wb") as fh:
        fh.truncate(600 * 1024 * 1024)  # sparse: costs no disk
    out.append(ModelCase("600 MB file", big, "too large"))
    la, lb = root / "loop_a.safetensors", root / "loop_b.safetensors"
    os.symlink(lb.name, la)
    os.symlink(la.name, lb)
    out.append(ModelCase("symbolic-link loop", la, "not found"))
    return out
