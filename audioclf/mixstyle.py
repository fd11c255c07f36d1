"""MixStyle (Zhou et al., ICLR 2021) for training: a forward hook on the first conv block.

The model and its files are unchanged and inference never runs it; the trainer registers
it while training when ``Augment.mixstyle`` > 0 and removes it however training ends.
"""

from __future__ import annotations

import numpy as np
import torch


class MixStyle:
    """MixStyle on the first conv block's output while training (a forward hook; the model
    and its files are unchanged, and inference never runs it).

    With probability ``p`` per batch: each example's per-channel mean and std over frequency
    and its real frames become a Beta(alpha, alpha) mix of its own and a random partner's;
    padded frames stay zero. Its own generator, so it leaves the global RNG alone.
    """

    def __init__(self, alpha: float, time_pool: int, seed: int) -> None:
        self.p, self.alpha, self.time_pool = 0.0, alpha, time_pool
        self.lengths: torch.Tensor | None = None  # (B,) frames of the batch about to run
        self.rng = np.random.default_rng(seed + 7919)

    def __call__(self, module: torch.nn.Module, inputs: object, y: torch.Tensor
                 ) -> torch.Tensor | None:
        if not module.training or self.lengths is None or len(y) < 2:
            return None
        if self.rng.random() >= self.p:
            return None
        b, _, _, t = y.shape
        lengths = ((self.lengths + self.time_pool - 1) // self.time_pool).clamp(1, t)
        mask = (torch.arange(t)[None, :] < lengths[:, None]).to(y)[:, None, None, :]
        n = mask.sum(dim=(2, 3), keepdim=True) * y.shape[2]  # values per (example, channel)
        mu = ((y * mask).sum(dim=(2, 3), keepdim=True) / n).detach()
        var = ((y - mu) ** 2 * mask).sum(dim=(2, 3), keepdim=True) / n
        sig = (var + 1e-6).sqrt().detach()
        perm = torch.from_numpy(self.rng.permutation(b)).to(y.device)
        lam = torch.from_numpy(self.rng.beta(self.alpha, self.alpha, (b, 1, 1, 1))).to(y)
        mixed = (y - mu) / sig * (lam * sig + (1 - lam) * sig[perm]) \
            + lam * mu + (1 - lam) * mu[perm]
        return mixed * mask
