"""Export a model for use elsewhere: raw audio in, class probabilities out (ONNX, TorchScript).

The exported graph contains the whole pipeline, so nobody has to re-implement the front end:

    audio (1, N) float32 mono at ``sample_rate``, N >= ``min_samples``
      -> STFT as a strided conv1d with fixed DFT kernels (the same periodic Hann window and
         framing as :class:`~audioclf.features.LogMel`: no centre padding, power
         normalised by sum(window**2))
      -> mel power = power @ fb  (fb = the LogMel's own ``mel_scale.fb``, F mel bands)
      -> (10*log10(max(mel, amin)) - norm_mean_db) / norm_std_db          (1, 1, F, T)
      -> the ConvLSTM run on the one full-length sequence (no packing: for one unpadded
         sequence packing changes nothing) -> softmax                      (1, K)

That is one *window* of :class:`~audioclf.inference.Classifier`: for audio no longer than
``window_s`` the output equals ``Classifier.classify_array(audio).probs``. For a longer
recording the classifier's timeline point ``i`` is the exported model on samples
``[i * hop_samples, i * hop_samples + window_samples)`` (both in the sidecar JSON), and the
clip probabilities are the mean of those points.

A sidecar JSON next to the model (``<model>.json``) names the labels (output order), the
sample rate, the window and hop, the input/output names and this format's version.
``torch.stft`` is not used: the ONNX exporters handle it unevenly across versions, while a
conv1d exports everywhere; a test checks the conv front end equals LogMel.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from audioclf import __version__
from audioclf.checkpoint import ModelBundle, load_model
from audioclf.config import FeatureConfig, to_dict
from audioclf.errors import AudioclfError
from audioclf.features import LogMel
from audioclf.fsutil import atomic_write_bytes, atomic_write_with
from audioclf.model import ConvBlock, ConvLSTM

EXPORT_FORMAT = "audioclf-export"
EXPORT_FORMAT_VERSION = 1  # bump when the inputs/outputs or their meaning change
INPUT_NAME = "audio"  # (1, N) float32
OUTPUT_NAME = "probs"  # (1, K) float32, softmax over ``labels``
FORMATS = {"onnx": ".onnx", "torchscript": ".pt"}
ONNX_OPSET = 18


class DftLogMel(nn.Module):
    """LogMel with the STFT as a conv1d: waveform (B, N), N >= n_fft -> (B, 1, F, T).

    Same frames, window, normalisation and mel filterbank as ``front`` (read from it, not
    recomputed), so the two agree to float32 rounding.
    """

    def __init__(self, front: LogMel) -> None:
        super().__init__()
        cfg: FeatureConfig = front.cfg
        spec = front.mel.spectrogram
        window = spec.window.detach().to(torch.float64)  # (n_fft,) periodic Hann
        if window.numel() != cfg.n_fft:
            raise AudioclfError("export needs win_length == n_fft")
        n_bins = cfg.n_fft // 2 + 1
        n = torch.arange(cfg.n_fft, dtype=torch.float64)
        k = torch.arange(n_bins, dtype=torch.float64)
        phase = 2.0 * math.pi * torch.outer(k, n) / cfg.n_fft  # (n_bins, n_fft)
        # normalized="window": magnitudes / sqrt(sum w^2), i.e. power / sum(w^2)
        scale = 1.0 / math.sqrt(float((window ** 2).sum()))
        kernels = torch.cat([torch.cos(phase), -torch.sin(phase)]) * window * scale
        self.register_buffer("kernels", kernels.to(torch.float32).unsqueeze(1))  # (2*bins, 1, n_fft)
        fb = front.mel.mel_scale.fb.detach().to(torch.float32)  # (n_bins, F)
        self.register_buffer("fb_t", fb.t().contiguous())  # (F, n_bins)
        self.n_bins = n_bins
        self.hop_length = cfg.hop_length
        self.amin = float(cfg.amin)
        self.norm_mean_db = float(cfg.norm_mean_db)
        self.norm_std_db = float(cfg.norm_std_db)

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        spec = nn.functional.conv1d(wave.unsqueeze(1), self.kernels,  # type: ignore[arg-type]
                                    stride=self.hop_length)
        re, im = spec[:, : self.n_bins], spec[:, self.n_bins:]  # (B, bins, T) each
        power = re * re + im * im
        # (F, bins) @ (B, bins, T) -> (B, F, T)
        mel = torch.matmul(self.fb_t, power)  # type: ignore[arg-type]
        db = 10.0 * torch.log10(torch.clamp(mel, min=self.amin))
        return ((db - self.norm_mean_db) / self.norm_std_db).unsqueeze(1)


class AudioToProbs(nn.Module):
    """Raw mono audio (1, N) float32 at the model's rate -> class probabilities (1, K).

    Audio shorter than one STFT frame is zero-padded to one frame (as LogMel does) in the
    TorchScript export; the ONNX graph requires N >= n_fft (``min_samples`` in the sidecar).
    """

    def __init__(self, bundle: ModelBundle) -> None:
        super().__init__()
        model: ConvLSTM = bundle.model
        self.front = DftLogMel(LogMel(bundle.feature_config))
        # Each ConvBlock's own layers, in its order (conv, BN, ReLU, ceil-mode max pool). Its
        # forward() adds a padding mask and an eval-time CPU fast path, neither needed for one
        # unpadded sequence, and not every fast path scripts or traces; the layers do.
        layers = []
        for b in model.blocks:
            assert isinstance(b, ConvBlock)
            layers.append(nn.Sequential(b.conv, b.bn, b.act, b.pool))
        self.blocks = nn.ModuleList(layers)
        self.lstm = model.lstm
        self.head = model.head
        self.n_fft = bundle.feature_config.n_fft
        self.input_norm = model.cfg.input_norm
        # the model's (F, F) projections across mel bands: of the band means (norm_dct) and
        # of each frame (lifter); identity when unused, so the graph has one shape
        eye = torch.eye(model.n_mels)
        for name, used in (("norm_smooth", model.cfg.norm_dct), ("smooth", model.cfg.lifter)):
            proj = getattr(model, name) if used else eye
            assert isinstance(proj, torch.Tensor)
            self.register_buffer(name, proj.detach().clone())
        self.num_layers = model.cfg.num_layers
        self.directions = model.directions
        self.hidden_size = model.cfg.hidden_size

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        n = audio.shape[-1]
        if n < self.n_fft:
            audio = nn.functional.pad(audio, [0, self.n_fft - n])
        x = self.front(audio)  # (1, 1, F, T)
        # ConvLSTM.encode for one full-length sequence: every mask is all ones.
        if self.input_norm == "band_mean":
            x = x - torch.matmul(self.norm_smooth, x.mean(dim=3, keepdim=True))  # type: ignore[arg-type]
        elif self.input_norm == "mean":
            x = x - x.mean(dim=(2, 3), keepdim=True)
        x = torch.matmul(self.smooth, x)  # type: ignore[arg-type]
        for block in self.blocks:
            x = block(x)
        seq = x.permute(0, 3, 1, 2).flatten(2)  # (1, C, F', T) -> (1, T, C*F')
        _, (h_n, _) = self.lstm(seq)
        # h_n: (num_layers * D, 1, H): the last layer's directions, concatenated
        last = h_n[h_n.shape[0] - self.directions:]  # (D, 1, H)
        final = last.permute(1, 0, 2).reshape(1, self.directions * self.hidden_size)
        return torch.softmax(self.head(final), dim=-1)


def sidecar(bundle: ModelBundle, fmt: str, model_file: str) -> dict[str, Any]:
    """Everything a user of the exported file needs besides the file itself."""
    from audioclf.inference import TIMELINE_HOP_S

    f = bundle.feature_config
    window = max(1, round(bundle.model_config.window_s * f.frame_rate))  # frames
    hop = max(1, round(TIMELINE_HOP_S * f.frame_rate))  # frames
    return {
        "format": EXPORT_FORMAT,
        "format_version": EXPORT_FORMAT_VERSION,
        "model_format": fmt,
        "model_file": model_file,
        "labels": list(bundle.labels),
        "sample_rate": f.sample_rate,
        "window_s": bundle.model_config.window_s,
        "window_samples": (window - 1) * f.hop_length + f.n_fft,
        "hop_s": TIMELINE_HOP_S,
        "hop_samples": hop * f.hop_length,
        "min_samples": f.n_fft,
        "inputs": [{"name": INPUT_NAME, "shape": [1, "N"], "dtype": "float32",
                    "description": "mono audio in [-1, 1] at sample_rate"}],
        "outputs": [{"name": OUTPUT_NAME, "shape": [1, len(bundle.labels)], "dtype": "float32",
                     "description": "softmax probabilities, in the order of labels"}],
        "feature_config": to_dict(f),
        "source_model": Path(bundle.path).name if bundle.path else None,
        "audioclf_version": __version__,
    }


def sidecar_path(out: str | os.PathLike[str]) -> Path:
    p = Path(out)
    return p.with_name(p.name + ".json") if p.suffix == "" else p.with_suffix(p.suffix + ".json")


def _example(bundle: ModelBundle) -> torch.Tensor:
    f = bundle.feature_config
    n = round(bundle.model_config.window_s * f.sample_rate)
    return 0.1 * torch.randn(1, max(n, f.n_fft), generator=torch.Generator().manual_seed(0))


def _write_onnx(wrapper: AudioToProbs, example: torch.Tensor, tmp: str) -> None:
    import warnings

    try:
        import onnx  # noqa: F401  (the exporter needs it; say so clearly)
    except ImportError:
        raise AudioclfError("ONNX export needs the 'onnx' package: pip install onnx") from None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            wrapper, (example,), tmp, input_names=[INPUT_NAME], output_names=[OUTPUT_NAME],
            dynamic_axes={INPUT_NAME: {1: "num_samples"}}, opset_version=ONNX_OPSET,
            dynamo=False)


def _write_torchscript(wrapper: AudioToProbs, example: torch.Tensor, tmp: str) -> None:
    import warnings

    with warnings.catch_warnings():  # "torch.jit is deprecated": still the way to get a
        warnings.simplefilter("ignore", FutureWarning)  # file C++/libtorch users can load
        torch.jit.save(torch.jit.script(wrapper), tmp)


WRITERS: dict[str, Callable[[AudioToProbs, torch.Tensor, str], None]] = {
    "onnx": _write_onnx, "torchscript": _write_torchscript}


def export_model(model: str | os.PathLike[str] | ModelBundle, fmt: str,
                 out: str | os.PathLike[str] | None = None) -> tuple[Path, Path]:
    """Write ``fmt`` ("onnx" | "torchscript") and its sidecar JSON atomically.

    ``out`` defaults to the model path with the format's suffix. Returns (model, sidecar).
    """
    if fmt not in FORMATS:
        raise AudioclfError(f"unknown export format {fmt!r} (choose: {', '.join(FORMATS)})")
    bundle = model if isinstance(model, ModelBundle) else load_model(model, "cpu")
    bundle.to("cpu")
    if out is None:
        if bundle.path is None:
            raise AudioclfError("give an output path for an unsaved model")
        out = Path(bundle.path).with_suffix(FORMATS[fmt])
    out = Path(out)
    wrapper = AudioToProbs(bundle).eval()
    with torch.no_grad():
        atomic_write_with(out, lambda tmp: WRITERS[fmt](wrapper, _example(bundle), tmp))
    meta = sidecar(bundle, fmt, out.name)
    side = sidecar_path(out)
    atomic_write_bytes(side, (json.dumps(meta, indent=2) + "\n").encode("utf-8"))
    return out, side
