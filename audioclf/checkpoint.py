"""One model file: weights + FeatureConfig + ModelConfig + sorted labels + training summary.

The file is safetensors: a JSON header and raw tensors, nothing executable. Loading never
unpickles anything, so a model file from a stranger cannot run code. Writes are atomic.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from audioclf.config import FeatureConfig, ModelConfig, from_dict, to_json
from audioclf.errors import AudioclfError, ModelFileError
from audioclf.fsutil import atomic_write_bytes
from audioclf.model import ConvLSTM

FORMAT_NAME = "audioclf-model"
FORMAT_VERSION = 3  # the newest this reads; bump on incompatible change
# Files are written with the oldest version that describes them, so older audioclf releases
# keep reading what they can compute correctly: 2 = uses ModelConfig.lifter, which a
# version-1 reader would silently ignore (and so compute something else); 3 = uses
# ModelConfig.norm_dct, likewise unknown to version-2 readers.
MODEL_SUFFIX = ".safetensors"
MAX_MODEL_BYTES = 512 * 1024 * 1024  # refuse absurd files before reading them


@dataclass
class ModelBundle:
    """A model ready to use, with everything needed to rebuild its pipeline."""

    model: ConvLSTM
    feature_config: FeatureConfig
    model_config: ModelConfig
    labels: list[str]
    training: dict[str, Any] = field(default_factory=dict)  # summary: accuracy, epochs, data...
    path: str | None = None

    @property
    def name(self) -> str:
        return Path(self.path).stem if self.path else "unsaved model"

    def to(self, device: torch.device | str) -> ModelBundle:
        self.model.to(device)
        return self


def build_model(fcfg: FeatureConfig, mcfg: ModelConfig, labels: list[str]) -> ConvLSTM:
    return ConvLSTM(mcfg, n_mels=fcfg.n_mels, n_classes=len(labels))


def _oldest_version(mcfg: ModelConfig) -> int:
    """The oldest format version whose readers compute this model correctly."""
    return 3 if mcfg.norm_dct else 2 if mcfg.lifter else 1


def save_model(path: str | os.PathLike[str], bundle: ModelBundle) -> None:
    """Write the bundle atomically (temp file + fsync + rename)."""
    tensors = {k: v.detach().to("cpu").contiguous() for k, v in bundle.model.state_dict().items()}
    meta = {
        "format": FORMAT_NAME,
        "format_version": str(_oldest_version(bundle.model_config)),
        "feature_config": to_json(bundle.feature_config),
        "model_config": to_json(bundle.model_config),
        "labels": json.dumps(list(bundle.labels)),
        "training": json.dumps(bundle.training, sort_keys=True, default=str),
    }
    atomic_write_bytes(path, st_save(tensors, metadata=meta))


def _read_header(p: Path, data: bytes) -> dict[str, str]:
    """Parse the safetensors JSON header (8-byte little-endian size + JSON)."""
    if len(data) < 8:
        raise ModelFileError(p, "not an audioclf model file (too short)")
    n = int.from_bytes(data[:8], "little")
    if n <= 0 or n > len(data) - 8:
        raise ModelFileError(p, "not an audioclf model file (no safetensors header)")
    try:
        header = json.loads(data[8:8 + n])
    except (UnicodeDecodeError, ValueError):
        raise ModelFileError(p, "not an audioclf model file (unreadable header)") from None
    meta = header.get("__metadata__") if isinstance(header, dict) else None
    if not isinstance(meta, dict):
        raise ModelFileError(p, "not an audioclf model file (no metadata)")
    return meta


def _check_shapes(p: Path, fcfg: FeatureConfig, mcfg: ModelConfig, labels: list[str],
                  tensors: dict[str, torch.Tensor]) -> None:
    """Compare the file's tensors with the model its settings describe, built on the meta
    device (no memory), so settings that ask for an absurd model are refused before any
    allocation."""
    try:
        with torch.device("meta"):
            want = {k: tuple(v.shape) for k, v in build_model(fcfg, mcfg, labels).state_dict().items()}
    except (RuntimeError, ValueError, TypeError) as exc:
        raise ModelFileError(p, f"model file has invalid settings ({exc})") from None
    got = {k: tuple(v.shape) for k, v in tensors.items()}
    if want != got:
        missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
        diff = sorted(k for k in set(want) & set(got) if want[k] != got[k])
        what = (f"missing {missing[0]}" if missing else f"unexpected {extra[0]}" if extra
                else f"{diff[0]}: file {list(got[diff[0]])}, settings {list(want[diff[0]])}")
        raise ModelFileError(p, f"weights do not match the model settings ({what})")


def load_model(path: str | os.PathLike[str], device: torch.device | str = "cpu") -> ModelBundle:
    """Read a model file safely and rebuild the model in eval mode on ``device``."""
    p = Path(path)
    if not p.is_file():
        raise ModelFileError(p, "model file not found" if not p.exists() else "not a file")
    if p.stat().st_size > MAX_MODEL_BYTES:
        raise ModelFileError(p, "file is too large to be an audioclf model")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ModelFileError(p, f"cannot read ({exc.strerror or exc})") from None
    meta = _read_header(p, data)
    if meta.get("format") != FORMAT_NAME:
        raise ModelFileError(p, "not an audioclf model file (wrong kind of safetensors file)")
    try:
        version = int(meta.get("format_version", "0"))
    except ValueError:
        raise ModelFileError(p, "model file has an invalid format version") from None
    if version > FORMAT_VERSION:
        raise ModelFileError(
            p, f"model file format {version} is newer than this audioclf understands "
            f"({FORMAT_VERSION}); upgrade audioclf")
    if version < 1:
        raise ModelFileError(p, f"unknown model file format version {version}")
    try:
        fcfg = from_dict(FeatureConfig, json.loads(meta["feature_config"])).validate()
        mdict = json.loads(meta["model_config"])
        mdict.setdefault("time_pool", 1)  # files written before the time stride existed
        mcfg = from_dict(ModelConfig, mdict)
        labels = json.loads(meta["labels"])
        training = json.loads(meta.get("training", "{}"))
    except KeyError as exc:
        raise ModelFileError(p, f"model file is missing {exc.args[0]}") from None
    except (ValueError, TypeError, AudioclfError) as exc:
        raise ModelFileError(p, f"model file has invalid settings ({exc})") from None
    if (not isinstance(labels, list) or len(labels) < 2
            or not all(isinstance(s, str) and s for s in labels) or len(set(labels)) != len(labels)):
        raise ModelFileError(p, "model file has missing or invalid class labels")
    try:
        tensors = st_load(data)
    except (SafetensorError, ValueError, RuntimeError) as exc:
        raise ModelFileError(p, f"corrupt model weights ({exc})") from None
    _check_shapes(p, fcfg, mcfg, labels, tensors)
    try:
        model = build_model(fcfg, mcfg, labels)
        model.load_state_dict(tensors, strict=True)
    except (RuntimeError, ValueError) as exc:
        first = str(exc).strip().splitlines()
        raise ModelFileError(p, "weights do not match the model settings "
                             f"({first[1].strip() if len(first) > 1 else first[0]})") from None
    if not all(bool(torch.isfinite(t).all()) for t in tensors.values() if t.is_floating_point()):
        raise ModelFileError(p, "model weights contain NaN or infinite values")
    model.eval().to(device)
    return ModelBundle(model, fcfg, mcfg, labels, training if isinstance(training, dict) else {},
                       str(p))


def default_model_path() -> Path:
    """The shipped default model (spoken digits + background), via importlib.resources.

    From a source checkout that is not installed (``PYTHONPATH=.``), the package
    ``audioclf.resources`` does not exist (pyproject maps it onto resources/): then the
    checkout's resources/ folder."""
    from importlib.resources import files

    try:
        return Path(str(files("audioclf.resources") / "models" / "default.safetensors"))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / "resources" / "models" / "default.safetensors"
