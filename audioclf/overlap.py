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
  neighbouring frames, so they are convolved per window, from a slab of ``kernel_size - 1``
  frames.
* ReLU is monotone, so ``maxpool(relu(z)) = relu(maxpool(z))``. The pooling maximum over time
  commutes with subtracting a constant per (channel, band). So the time maxima of
  ``conv(x)`` are taken once per pooling phase over the run. Then ``conv_f(m)`` is
  subtracted, ReLU applied, and frequency pooling done per window, on a tensor ``time_pool``
  times smaller than the convolution output.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch.nn import functional as F

if TYPE_CHECKING:
    from audioclf.model import ConvLSTM


def window_means(frames: torch.Tensor, n: int, hop: int, window: int) -> torch.Tensor:
    """(F, L) frames -> (n, F) mean of each band over window i = frames [i*hop, i*hop+window)
    (float64 sums)."""
    cs = F.pad(frames.double().cumsum(1), (1, 0))
    starts = torch.arange(n, device=frames.device) * hop
    return ((cs[:, starts + window] - cs[:, starts]).T / window).to(frames.dtype)


def _windows_view(y: torch.Tensor, n: int, hop: int, t0: int, count: int, step: int = 1
                  ) -> torch.Tensor:
    """(C, F, L) contiguous -> view (n, C, F, count) with
    ``view[i, :, :, g] = y[:, :, i*hop + t0 + g*step]``."""
    s = y.stride()
    return y.as_strided((n, y.shape[0], y.shape[1], count),
                        (hop * s[2], s[0], s[1], step * s[2]), y.storage_offset() + t0 * s[2])


def first_block_of_windows(model: ConvLSTM, frames: torch.Tensor, n: int, hop: int,
                           window: int) -> torch.Tensor | None:
    """Output of ``model.blocks[0]`` (n, C, F', T') for the windows
    ``frames[:, i*hop : i*hop + window]``, i < n.

    ``frames`` (F, L) are normalised log-mel frames, ``(n - 1) * hop + window <= L``. The
    result matches the block applied to the stacked windows, after the model's input
    normalisation and lifter, in eval mode. Returns None for a shape this does not cover (a
    window shorter than the kernel); the caller then goes window by window.
    """
    from audioclf.model import ConvBlock, _max_pool_nonneg

    block = model.blocks[0]
    assert isinstance(block, ConvBlock)
    pad = model.cfg.kernel_size // 2
    step = block.time_pool
    n_groups = -(-window // step)  # pooled frames per window (ceil mode)
    left = -(-pad // step)  # pooled groups that contain the window's first `pad` frames
    right = (window - pad) // step  # first group that contains one of its last `pad` frames
    if model.training or window < 2 * pad or right < left:
        return None
    weight, shift = block.folded()  # (C, 1, k, k), (C,)
    f = frames.shape[0]
    m = window_means(frames, n, hop, window)  # (n, F): what the model's normalise subtracts
    if model.cfg.input_norm == "mean":
        m = m.mean(1, keepdim=True).expand(-1, f)
    elif model.cfg.input_norm == "none":
        m = torch.zeros_like(m)
    x = frames
    if model.cfg.lifter:
        smooth = model.smooth
        assert isinstance(smooth, torch.Tensor)
        x, m = smooth @ x, m @ smooth.T
    y = F.conv2d(x[None, None], weight, shift, padding=pad)[0]  # (C, F, L): the shared part
    mc = F.conv1d(m[:, None], weight.sum(3), padding=pad)[..., None]  # (n, C, F, 1)
    ymax = _sliding_max(y, step)  # (C, F, L - step + 1): max of y[t : t + step]
    out = torch.empty(n, *y.shape[:2], n_groups, dtype=y.dtype, device=y.device)
    torch.sub(_windows_view(ymax, n, hop, left * step, right - left, step), mc,
              out=out[..., left:right])
    out[..., :left] = _edge_groups(x, y, m, mc, n, hop, weight, shift, 0, left * step, step,
                                   window)
    out[..., right:] = _edge_groups(x, y, m, mc, n, hop, weight, shift, right * step,
                                    n_groups * step, step, window)
    # frequency pooling, then ReLU (they commute; zero padding of an odd band count is exact
    # because ReLU follows): the block's output (n, C, F', T')
    return torch.relu_(_max_pool_nonneg(out, (block.pool_factors[0], 1)))


def _sliding_max(y: torch.Tensor, k: int) -> torch.Tensor:
    """(..., L) -> (..., L - k + 1) contiguous: out[t] = max y[t : t + k], by doubling."""
    out, width = y, 1
    while width < k:  # out[t] = max y[t : t + width]; double the width, without passing k
        grow = min(width, k - width)
        out = torch.maximum(out[..., : out.shape[-1] - grow], out[..., grow:])
        width += grow
    return out.contiguous()


def _edge_groups(x: torch.Tensor, y: torch.Tensor, m: torch.Tensor, mc: torch.Tensor, n: int,
                 hop: int, weight: torch.Tensor, shift: torch.Tensor, t0: int, t1: int,
                 step: int, window: int) -> torch.Tensor:
    """Time-pooled (not yet ReLU'd) conv output of window frames [t0, t1) (n, C, F, groups).

    Frames past the window's end (a partial last group) are -inf, so they never win the max:
    after ReLU that equals the zero padding of ceil-mode pooling."""
    if t1 <= t0:
        return y.new_zeros(n, y.shape[0], y.shape[1], 0)
    pad = weight.shape[-1] // 2
    z = _windows_view(y, n, hop, t0, min(t1, window) - t0) - mc  # (n, C, F, n_t)
    for lo, keep in ((0, slice(0, pad)), (window - 2 * pad, slice(pad, None))):
        # the window's own zero padding: convolve a slab of its edge frames alone
        e0 = lo if keep.start == 0 else window - pad  # window frames [e0, e0 + pad)
        a, b = max(e0, t0), min(e0 + pad, t1, window)
        if pad == 0 or a >= b:
            continue
        slab = _windows_view(x[None], n, hop, lo, 2 * pad)[:, 0] - m[..., None]  # (n, F, 2p)
        edge = F.conv2d(slab[:, None], weight, shift, padding=pad)[..., keep]
        z[..., a - t0:b - t0] = edge[..., a - e0:b - e0]
    if z.shape[3] < t1 - t0:  # partial last group (ceil mode)
        z = F.pad(z, (0, t1 - t0 - z.shape[3]), value=float("-inf"))
    return z.reshape(*z.shape[:3], -1, step).amax(4)
