"""The first conv block of many overlapping analysis windows, computed once over the frames
they share instead of once per window.

Timeline windows overlap by 90% (1 s windows every 0.1 s), so running the model on each
window alone repeats the first block's full-resolution convolution ten times per frame; on a
CPU that block is most of the model's cost. This module gives the same numbers (to float
rounding) from one convolution over the whole run of frames:

* The per-window input normalisation (``input_norm``) subtracts a constant ``m`` per band and
  window, and the optional lifter is linear per frame. The convolution (BatchNorm folded in)
  is linear, so inside a window ``conv(x - m) = conv(x) - conv_f(m)``. Here ``conv(x)`` is the
  convolution of the whole run, and ``conv_f(m)`` convolves ``m`` along frequency with the
  kernel summed over its time taps: one small (C, F) map per window.
* A window's first and last ``kernel_size // 2`` frames see its zero padding, not the
  neighbouring frames: from their shared value, subtract what the taps that reach past the
  window added (a 1-D convolution along frequency of that outside frame minus ``m``).
* ReLU is monotone, so ``maxpool(relu(z)) = relu(maxpool(z))``, and the pooling maximum over
  time commutes with subtracting a constant per (channel, band). So sliding time maxima of
  ``conv(x)`` are taken once over the run; per window, only ``conv_f(m)`` is subtracted, the
  frequency pooling done and ReLU applied, on a tensor ``time_pool`` times smaller than the
  convolution output. The work is laid out time-major, so each copy moves whole (C, F)
  frames.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch.nn import functional as F

if TYPE_CHECKING:
    from audioclf.model import ConvLSTM


def window_means(frames: torch.Tensor, n: int, hop: int, window: int) -> torch.Tensor:
    """(F, L) frames -> (n, F) mean of each band over window i = frames [i*hop, i*hop+window)
    (each window summed on its own: no running sum to lose precision over a long run)."""
    return F.avg_pool1d(frames[None, :, : (n - 1) * hop + window], window, hop)[0].T


def _windows_view(yt: torch.Tensor, n: int, hop: int, t0: int, count: int, step: int = 1
                  ) -> torch.Tensor:
    """Time-major (L, C, F) contiguous -> view (n, count, C, F) with
    ``view[i, g] = yt[i*hop + t0 + g*step]``: whole (C, F) frames, so copies stay contiguous."""
    s = yt.stride()
    return yt.as_strided((n, count, yt.shape[1], yt.shape[2]),
                         (hop * s[0], step * s[0], s[1], s[2]), yt.storage_offset() + t0 * s[0])


def first_block_of_windows(model: ConvLSTM, frames: torch.Tensor, n: int, hop: int,
                           window: int) -> torch.Tensor | None:
    """Output of ``model.blocks[0]`` (n, C, F', T') for the windows
    ``frames[:, i*hop : i*hop + window]``, i < n.

    ``frames`` (F, L) are normalised log-mel frames, ``(n - 1) * hop + window <= L``. The
    result matches the block applied to the stacked windows, after the model's input
    normalisation and lifter, in eval mode. Returns None for a shape this does not cover (a
    window shorter than the kernel); the caller then goes window by window.
    """
    from audioclf.model import ConvBlock

    block = model.blocks[0]
    assert isinstance(block, ConvBlock)
    pad = model.cfg.kernel_size // 2
    step = block.time_pool
    n_groups = -(-window // step)  # pooled frames per window (ceil mode)
    left = -(-pad // step)  # pooled groups that contain one of the window's first `pad` frames
    right = (window - pad) // step  # first group that contains one of its last `pad` frames
    if model.training or window < 2 * pad or right < left:
        return None
    weight, shift = block.folded()  # (C, 1, k, k), (C,)
    c, f = weight.shape[0], frames.shape[0]
    # (n, F): what the model's normalise subtracts from each window
    m = model.input_offsets(window_means(frames, n, hop, window)[..., None])[..., 0]
    x = frames
    if model.cfg.lifter:
        smooth = model.smooth
        assert isinstance(smooth, torch.Tensor)
        x, m = smooth @ x, m @ smooth.T
    # the shared part, time-major: yt[t] = conv(x) at frame t, (L, C, F)
    yt = F.conv2d(x[None, None], weight, shift, padding=pad)[0].permute(2, 0, 1).contiguous()
    mc = F.conv1d(m[:, None], weight.sum(3), padding=pad)[:, None]  # (n, 1, C, F)
    out = torch.empty(n, n_groups, c, f, dtype=yt.dtype, device=yt.device)
    # interior groups: sliding time maxima of the shared convolution
    ymax = _sliding_max(yt, step)  # (L - step + 1, C, F): max of yt[t : t + step]
    torch.sub(_windows_view(ymax, n, hop, left * step, right - left, step), mc,
              out=out[:, left:right])
    # edge groups: frames next to the window's zero padding lose the taps that reach past it
    xp = F.pad(x, (pad, pad))  # zero frames around the run: y's own padding
    starts = torch.arange(n, device=x.device) * hop
    for g in [*range(left), *range(right, n_groups)]:
        acc = None
        for t in range(g * step, min(g * step + step, window)):
            v = _windows_view(yt, n, hop, t, 1)[:, 0]  # (n, C, F)
            for dt in [d for d in range(-pad, pad + 1) if not 0 <= t + d < window]:
                col = xp[:, starts + (t + dt + pad)].T  # (n, F): the frame that tap reads
                v = v - F.conv1d((col - m)[:, None], weight[..., pad + dt], padding=pad)
            acc = v if acc is None else torch.maximum(acc, v)
        assert acc is not None
        torch.sub(acc, mc[:, 0], out=out[:, g])
    # frequency pooling, then ReLU (they commute; -inf padding of a partial group, then ReLU,
    # equals ceil-mode zero padding), then back to (n, C, F', T')
    p = block.pool_factors[0]
    if f % p:
        out = F.pad(out, (0, p - f % p), value=float("-inf"))
    # written straight into channels-last memory, (n, F', T', C), seen as (n, T', C, F'): the
    # layout the next block's convolution takes (model._channels_last then copies nothing)
    pooled = torch.empty(n, out.shape[3] // p, n_groups, c, dtype=out.dtype,
                         device=out.device).permute(0, 2, 3, 1)
    if p == 1:
        pooled.copy_(out)
    else:
        torch.maximum(out[..., 0::p], out[..., 1::p], out=pooled)
    for i in range(2, p):
        torch.maximum(pooled, out[..., i::p], out=pooled)
    return torch.relu_(pooled).permute(0, 2, 3, 1)


def _sliding_max(y: torch.Tensor, k: int) -> torch.Tensor:
    """(L, ...) -> (L - k + 1, ...) contiguous: out[t] = max y[t : t + k], by doubling."""
    out, width = y, 1
    while width < k:  # out[t] = max y[t : t + width]; double the width, without passing k
        grow = min(width, k - width)
        out = torch.maximum(out[: out.shape[0] - grow], out[grow:])
        width += grow
    return out.contiguous()
