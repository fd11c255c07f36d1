"""Log-mel front end: one module for files, batches and streams.

Framing has no centre padding: frame ``k`` covers samples ``[k*hop, k*hop + n_fft)``. That
is what makes the streaming front end (:class:`StreamingLogMel`) produce exactly the same
columns as the whole-file one, whatever the chunk sizes.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import torch
import torchaudio
from torch import nn

from audioclf.config import FeatureConfig


class LogMel(nn.Module):
    """Waveform (B, N) float32 in [-1, 1] at ``cfg.sample_rate`` -> features (B, 1, F, T).

    F = ``cfg.n_mels``; T = ``cfg.num_frames(N)``. Values are normalised dB:
    ``(10*log10(max(mel_power, amin)) - norm_mean_db) / norm_std_db``.
    """

    _window: torch.Tensor  # registered buffers (typed for mypy)
    _fb_t: torch.Tensor
    _offset: torch.Tensor
    _scale: torch.Tensor

    def __init__(self, cfg: FeatureConfig) -> None:
        super().__init__()
        self.cfg = cfg.validate()
        self.mel = torchaudio.transforms.MelSpectrogram(
            sample_rate=cfg.sample_rate, n_fft=cfg.n_fft, win_length=cfg.n_fft,
            hop_length=cfg.hop_length, f_min=cfg.f_min, f_max=cfg.top_hz, n_mels=cfg.n_mels,
            power=2.0, center=False, normalized="window", mel_scale="htk", norm="slaney",
        )
        # ``self.mel`` defines the features (window, filterbank, normalisation); log_mel
        # computes the same thing in fewer passes (a per-clip call is mostly overhead): the
        # window normalisation 1/sum(w^2) of the power is folded into the filterbank.
        win = self.mel.spectrogram.window
        self.register_buffer("_window", win, persistent=False)  # the same tensor as self.mel's
        self.register_buffer("_fb_t", (self.mel.mel_scale.fb / win.pow(2).sum()).T.contiguous(),
                             persistent=False)  # (F, n_fft // 2 + 1)
        # the dB offset and scale as float32 tensors: an in-place op with a Python number
        # spends longer wrapping the number than computing on a clip (same values, same bits)
        f32 = torch.float32
        self.register_buffer("_offset", torch.tensor(-cfg.norm_mean_db / 10.0, dtype=f32),
                             persistent=False)
        self.register_buffer("_scale", torch.tensor(10.0 / cfg.norm_std_db, dtype=f32),
                             persistent=False)

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        if wave.dim() == 1:
            wave = wave.unsqueeze(0)
        return self.log_mel(wave).unsqueeze(1)

    def log_mel(self, wave: torch.Tensor) -> torch.Tensor:
        """:meth:`forward` without the channel axis: (B, N) -> (B, F, T), and (N,) -> (F, T).

        A plain method, so a per-clip caller skips the module-call machinery. A clip alone
        takes the fewest operations (a per-clip call costs mostly per-operation overhead): a
        1-D frame matrix and a plain matrix product, where a batch takes a broadcast one.
        Both give the same bits for a clip of two frames or more (a one-frame clip alone
        goes through the BLAS's matrix-vector path: last-bit differences)."""
        # buffers read from the dict: a module attribute lookup costs about 1 us
        c, buf = self.cfg, cast("dict[str, torch.Tensor]", self._buffers)
        n = wave.shape[-1]
        if n < c.n_fft:  # too short for one frame: zero-pad to exactly one frame
            wave = nn.functional.pad(wave, (0, c.n_fft - n))
        if wave.dtype != torch.float32:
            wave = wave.float()
        if torch.is_autocast_enabled(wave.device.type):  # always float32 (a no-op otherwise)
            with torch.autocast(device_type=wave.device.type, enabled=False):
                mel = self._mel_power(wave)
        else:
            mel = self._mel_power(wave)
        # (10 * log10(max(p, amin)) - mean) / std, in place: mel is a fresh tensor, and a
        # per-clip call is mostly per-operation overhead (allocations included)
        db = mel.clamp_min_(c.amin).log10_()
        return db.add_(buf["_offset"]).mul_(buf["_scale"])

    def _mel_power(self, wave: torch.Tensor) -> torch.Tensor:
        """(B, N) or (N,) float32 -> mel power (B, F, T) or (F, T), window-normalised as
        ``self.mel``."""
        c, buf = self.cfg, cast("dict[str, torch.Tensor]", self._buffers)
        # torch.stft(center=False) in its own steps, the same bits, fewer operations: frames
        # as a strided view, times the window, a real FFT of each frame
        frames = wave.unfold(-1, c.n_fft, c.hop_length) * buf["_window"]  # ([B,] T, n_fft)
        spec = torch.fft.rfft(frames).transpose(-1, -2)  # ([B,] n_fft // 2 + 1, T)
        power = spec.real.square().add_(spec.imag.square())  # |X|^2, faster than abs().pow(2)
        if power.dim() == 2:
            return torch.mm(buf["_fb_t"], power)
        return torch.matmul(buf["_fb_t"], power)

    def db_from_features(self, feats: torch.Tensor) -> torch.Tensor:
        """Undo the normalisation (for display in dB)."""
        return feats * self.cfg.norm_std_db + self.cfg.norm_mean_db


def frame_times_s(cfg: FeatureConfig, first: int, count: int) -> np.ndarray:
    """Centre time in seconds of frames ``first .. first+count-1``."""
    k = np.arange(first, first + count, dtype=np.float64)
    return (k * cfg.hop_length + cfg.n_fft / 2.0) / cfg.sample_rate


def logmel_array(
    samples: np.ndarray, cfg: FeatureConfig, front: LogMel | None = None,
    device: torch.device | str = "cpu",
) -> torch.Tensor:
    """Mono float32 samples (N,) -> features (F, T) on ``device`` (T >= 1)."""
    front = front if front is not None else LogMel(cfg).to(device)
    x = torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32))
    on = front._fb_t.device
    if on.type != "cpu":
        x = x.to(on)
    with torch.inference_mode():
        return front.log_mel(x)


class StreamingLogMel:
    """Feed samples in any block sizes; get only the new feature columns each time.

    ``push`` costs O(new samples); the columns equal :func:`logmel_array` on the
    concatenated input (same framing, no centre padding).
    """

    def __init__(self, cfg: FeatureConfig, front: LogMel | None = None,
                 device: torch.device | str = "cpu") -> None:
        self.cfg = cfg
        self.device = torch.device(device)
        self.front = front if front is not None else LogMel(cfg).to(self.device)
        self._pending = np.zeros(0, np.float32)  # samples from the start of the next frame
        self.frames_done = 0  # total columns produced so far
        self.samples_in = 0  # total samples pushed so far

    def push(self, samples: np.ndarray) -> torch.Tensor:
        """Add mono samples at ``cfg.sample_rate``; return new columns (F, k), k >= 0."""
        self.samples_in += samples.size
        buf = np.concatenate([self._pending, samples.astype(np.float32, copy=False)])
        k = self.cfg.num_frames(buf.size)
        if k == 0:
            self._pending = buf
            return torch.zeros(self.cfg.n_mels, 0, device=self.device)
        used = (k - 1) * self.cfg.hop_length + self.cfg.n_fft
        x = torch.from_numpy(buf[:used]).to(self.device, non_blocking=True)
        with torch.inference_mode():
            cols = self.front.log_mel(x)
        self._pending = buf[k * self.cfg.hop_length:]
        self.frames_done += k
        return cols
