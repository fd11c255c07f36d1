"""Frozen configuration dataclasses: the one source of every constant.

A model file stores :class:`FeatureConfig` and :class:`ModelConfig` as JSON, so training,
file inference, live inference, the CLI and the GUI all rebuild exactly the same pipeline
from the file. Units are in the names (``_s`` seconds, ``_ms`` milliseconds, ``_db`` decibels).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class FeatureConfig:
    """Log-mel front end. Primitives: sample rate, window and hop in samples, mel bands."""

    sample_rate: int = 16000  # Hz; audio is resampled to this before anything else
    n_fft: int = 400  # samples per STFT frame (25 ms at 16 kHz)
    hop_length: int = 160  # samples between frames (10 ms at 16 kHz)
    n_mels: int = 64  # mel bands = image height F
    f_min: float = 20.0  # Hz, lowest mel band edge
    f_max: float | None = None  # Hz, highest mel band edge; None = sample_rate / 2
    # Fixed normalisation of the dB values: (db - norm_mean_db) / norm_std_db.  Fixed
    # constants (not per-clip statistics) so that a file and the same audio heard live
    # give identical features, and silence stays quiet.
    norm_mean_db: float = -60.0
    norm_std_db: float = 20.0
    amin: float = 1e-10  # power floor before log10 (-100 dB)

    @classmethod
    def for_sample_rate(cls, sample_rate: int, n_mels: int = 64, **kw: Any) -> FeatureConfig:
        """25 ms windows and 10 ms hops at ``sample_rate``: the derived defaults."""
        n_fft = round(0.025 * sample_rate)
        hop = round(0.010 * sample_rate)
        return cls(sample_rate=sample_rate, n_fft=n_fft, hop_length=hop, n_mels=n_mels, **kw)

    @property
    def frame_rate(self) -> float:
        """Frames per second."""
        return self.sample_rate / self.hop_length

    @property
    def top_hz(self) -> float:
        return float(self.f_max) if self.f_max is not None else self.sample_rate / 2.0

    def num_frames(self, num_samples: int) -> int:
        """Frames produced from ``num_samples`` samples (no centre padding; 0 if too short)."""
        if num_samples < self.n_fft:
            return 0
        return 1 + (num_samples - self.n_fft) // self.hop_length

    def validate(self) -> FeatureConfig:
        from audioclf.errors import AudioclfError

        if self.sample_rate < 1000 or self.sample_rate > 384000:
            raise AudioclfError(f"sample rate {self.sample_rate} Hz is outside 1 kHz-384 kHz")
        if not (0 < self.hop_length <= self.n_fft):
            raise AudioclfError("hop_length must be in 1..n_fft")
        if self.n_mels < 4:
            raise AudioclfError("n_mels must be at least 4")
        if not (0 <= self.f_min < self.top_hz <= self.sample_rate / 2.0):
            raise AudioclfError("need 0 <= f_min < f_max <= sample_rate/2")
        return self


@dataclass(frozen=True)
class ModelConfig:
    """Conv2d-LSTM shape. The conv blocks pool along frequency only (time stride 1)."""

    conv_channels: tuple[int, ...] = (16, 32)  # output channels of each conv block
    kernel_size: int = 3  # square conv kernel, 'same' padding
    freq_pool: int = 2  # max-pool factor along frequency in every block
    time_pool: int = 2  # time stride of the first block only (1 = keep every frame)
    hidden_size: int = 64  # LSTM hidden units per direction
    num_layers: int = 1  # stacked LSTM layers
    bidirectional: bool = False  # a causal-friendly default; True is allowed
    dropout: float = 0.1  # between LSTM layers and before the head
    window_s: float = 1.0  # analysis window of the timeline = the training clip length
    # Per-example input normalisation inside the model, over true frames only:
    # "band_mean" subtracts each mel band's mean over time (cepstral-mean-like: invariant to
    # gain and microphone colouring), "mean" subtracts one mean (gain only), "none" nothing.
    # It works on the window the model sees, so files and live audio stay identical.
    input_norm: str = "mean"
    # With "band_mean": 0 subtracts each band's whole mean; K > 0 subtracts only the band
    # means' first K DCT coefficients across the bands, their smooth shape (level, tilt,
    # broad colouring: the microphone and the room), and keeps the finer shape of a word's
    # average spectrum (its vowel's formants), which the whole mean would remove.
    norm_dct: int = 0
    # Spectral smoothing inside the model, after the normalisation: keep only the first
    # ``lifter`` DCT coefficients of each frame's log-mel bands (a cepstral lifter, as in
    # MFCCs), so the conv sees the spectral envelope (formants) and not the harmonics (the
    # speaker's pitch). 0 = off (the bands as they are).
    lifter: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "conv_channels", tuple(int(c) for c in self.conv_channels))


#: ``--precision`` names -> ``Classifier(amp=...)``: auto = mixed on CUDA only, full =
#: float32 everywhere, mixed = bf16/fp16 on CUDA, bfloat16 on a CPU
PRECISIONS: dict[str, bool | None] = {"auto": None, "full": False, "mixed": True}

#: Analysis windows per model call at inference (``--batch-size``). 256 rather than 64: a long
#: file's timeline runs about 10% faster on a 2-core CPU (bigger matrix products in the LSTM and
#: the second conv block) for about 50 MB more working memory (README, Performance).
BATCH_SIZE = 256


@dataclass(frozen=True)
class TrainConfig:
    """Training run settings; every field has a CLI flag of the same name."""

    epochs: int = 30  # upper bound; early stopping usually ends sooner
    batch_size: int = 64
    lr: float = 3e-3  # peak learning rate of the one-cycle schedule
    weight_decay: float = 1e-4
    val_fraction: float = 0.1  # stratified, per class
    seed: int = 0
    patience: int = 8  # epochs without validation improvement before stopping
    augment: bool = True
    device: str = "auto"  # auto | cpu | cuda | cuda:N | mps
    amp: bool = True  # mixed precision on CUDA (ignored on CPU)
    target_accuracy: float | None = None  # stop as soon as validation accuracy reaches this
    # threads decoding audio while the feature cache is built, when files are long enough to
    # gain from them (dataset.extract_features); 0 or 1 = all in the training thread
    num_workers: int = 2
    # RAM budget (MB) for the cached training features. A dataset whose features would need
    # more is cached on disk instead (one .npy per file under cache_dir, keyed by content
    # hash and FeatureConfig; reused by later runs), and read back batch by batch.
    feature_ram_mb: float = 4096.0
    cache_dir: str | None = None  # on-disk feature cache; None = <user cache dir>/features
    # distillation (audioclf.distill): model files whose mean probabilities the new model
    # also learns to match, with this weight (0-1) against the labels, at this temperature
    teachers: tuple[str, ...] = ()
    distill_weight: float = 0.5
    distill_temperature: float = 2.0


def to_dict(cfg: Any) -> dict[str, Any]:
    return dataclasses.asdict(cfg)


def from_dict(cls: type[T], data: dict[str, Any]) -> T:
    """Build ``cls`` from a dict, ignoring unknown keys (files from later minor versions)."""
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    kwargs = {k: v for k, v in data.items() if k in names}
    return cls(**kwargs)


def to_json(cfg: Any) -> str:
    return json.dumps(to_dict(cfg), sort_keys=True)


__all__ = ["PRECISIONS", "FeatureConfig", "ModelConfig", "TrainConfig", "field", "from_dict", "to_dict", "to_json"]
