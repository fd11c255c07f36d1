"""Knowledge distillation (Hinton et al., 2015): train one model to match several.

Teachers are model files (several seeds or recipes of the same task). Each training batch, as
augmented for the student, also goes through every teacher (eval mode, no gradients); the
student's clip logits are pulled towards the mean of the teachers' probabilities at
temperature T, besides the usual cross-entropy on the labels:

    loss = (1 - w) * CE(student, label) + w * T^2 * KL(mean_i softmax(t_i / T) || softmax(s / T))

The point is an ensemble's accuracy at one model's inference cost. Teachers must use the
student's front end (FeatureConfig) and know the same classes, in any order.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from audioclf.checkpoint import load_model
from audioclf.config import FeatureConfig
from audioclf.errors import AudioclfError


class Teachers:
    """Frozen teacher models whose averaged probabilities a student learns to match."""

    def __init__(self, paths: Sequence[str], fcfg: FeatureConfig, device: torch.device,
                 weight: float = 0.5, temperature: float = 2.0) -> None:
        """Load and check the teachers (before any audio is decoded); then :meth:`align`."""
        if not 0.0 <= weight <= 1.0:
            raise AudioclfError(f"distillation weight must be within 0-1, not {weight}")
        if temperature <= 0:
            raise AudioclfError(f"distillation temperature must be positive, not {temperature}")
        self.weight, self.temperature = weight, temperature
        self.bundles = [load_model(path, device) for path in paths]
        for path, b in zip(paths, self.bundles):
            if b.feature_config != fcfg:
                raise AudioclfError(f"{path}: teacher's features differ from the student's "
                                    f"({b.feature_config} vs {fcfg})")
            b.model.eval().requires_grad_(False)
        self.paths, self.device = list(paths), device
        self.columns: list[torch.Tensor] = []  # each teacher's outputs in the student's order

    def align(self, labels: list[str]) -> Teachers:
        """Check the teachers know exactly the student's classes, and follow their order."""
        for path, b in zip(self.paths, self.bundles):
            if sorted(b.labels) != sorted(labels):
                raise AudioclfError(f"{path}: teacher's classes ({', '.join(b.labels)}) differ "
                                    f"from the training data's ({', '.join(labels)})")
        self.columns = [torch.tensor([b.labels.index(c) for c in labels], device=self.device)
                        for b in self.bundles]
        return self

    @torch.no_grad()
    def probs(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """(B, 1, F, T), (B,) -> the teachers' mean probabilities at temperature T, (B, K)."""
        total = None
        for b, cols in zip(self.bundles, self.columns):
            p = F.softmax(b.model.clip_logits(x, lengths).float()[:, cols] / self.temperature, -1)
            total = p if total is None else total + p
        assert total is not None
        return total / len(self.bundles)

    def loss(self, ce: torch.Tensor, logits: torch.Tensor, x: torch.Tensor,
             lengths: torch.Tensor) -> torch.Tensor:
        """The training loss: ``ce`` (the labels' cross-entropy) mixed with the distillation
        term for the student's clip ``logits`` (B, K) on the batch ``x``."""
        t = self.temperature
        log_q = F.log_softmax(logits.float() / t, dim=-1)
        kd = F.kl_div(log_q, self.probs(x, lengths), reduction="batchmean") * (t * t)
        return (1.0 - self.weight) * ce + self.weight * kd
