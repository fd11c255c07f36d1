"""Why did the model say that? A saliency map over the log-mel image (Qt-free).

Gradient x input, measured from silence. For features ``x`` (normalised log-mel, the model's
input) and the clip logit ``z_k`` of the top class ``k``::

    relevance = relu( dz_k/dx * (x - x_floor) )

where ``x_floor`` is the feature value of silence (the ``amin`` power floor, -100 dB), so a
silent cell contributes nothing and a loud cell that pushed the top class up contributes a
lot. When nothing pushed it up (a weak model whose top class wins by default), the map falls
back to the magnitude ``|dz_k/dx * (x - x_floor)|``: what mattered either way. The map is
smoothed with a 3x3 box filter and divided by its maximum (0..1).

Files longer than the model's window follow the file rule of :mod:`audioclf.inference`: the
clip decision is the mean over the timeline windows, so the map is the mean over windows of
each window's relevance for the same class (``k`` = the top class of the whole clip).
"""

from __future__ import annotations

import contextlib

import numpy as np
import torch
import torch.nn.functional as F

from audioclf.errors import AudioclfError
from audioclf.features import logmel_array
from audioclf.inference import Classifier, Windower

MAX_WINDOWS = 20_000  # refuse to explain more windows than this (about 33 min at 0.1 s hops)


def _no_cudnn(device: torch.device) -> contextlib.AbstractContextManager[None]:
    """cuDNN's LSTM refuses backward in eval mode; use the native kernels instead."""
    if device.type == "cuda":
        return torch.backends.cudnn.flags(enabled=False)
    return contextlib.nullcontext()


def saliency(clf: Classifier, samples: np.ndarray | None = None,
             features: torch.Tensor | np.ndarray | None = None,
             target: int | None = None, smooth: int = 3) -> np.ndarray:
    """Relevance map (F, T) in 0..1 of the top class (or ``target``) for one clip.

    Give either ``samples`` (mono float32 at the model's sample rate) or ``features``
    ((F, T) normalised log-mel, as :func:`audioclf.features.logmel_array` returns).
    The model stays in eval mode and its parameters get no gradients.
    """
    if (samples is None) == (features is None):
        raise ValueError("give exactly one of samples or features")
    if features is None:
        feats = logmel_array(np.asarray(samples, np.float32), clf.fcfg, clf.front, clf.device)
    else:
        feats = torch.as_tensor(features, dtype=torch.float32)
    feats = feats.detach().clone().to(clf.device)  # (F, T); leaves inference mode behind
    n_mels, n_frames = feats.shape
    if n_mels != clf.fcfg.n_mels or n_frames < 1:
        raise AudioclfError(f"features of shape {tuple(feats.shape)} do not fit this model")
    win = Windower(clf.window, clf.hop)
    windows = win.push(feats) + win.flush()  # [(start frame, (F, W))]
    if len(windows) > MAX_WINDOWS:
        raise AudioclfError(f"clip too long to explain ({len(windows)} windows; "
                            f"at most {MAX_WINDOWS})")
    if target is None:
        target = int(np.argmax(clf.probs_of([w for _, w in windows]).mean(0)))
    floor = (10.0 * np.log10(clf.fcfg.amin) - clf.fcfg.norm_mean_db) / clf.fcfg.norm_std_db
    total = torch.zeros_like(feats)
    against = torch.zeros_like(feats)  # magnitude of negative evidence, for the fallback
    for i in range(0, len(windows), clf.batch_size):
        chunk = windows[i:i + clf.batch_size]
        batch = torch.stack([w for _, w in chunk])[:, None]  # (B, 1, F, W); same W in a batch
        lengths = torch.full((len(chunk),), batch.shape[-1], dtype=torch.long)
        batch.requires_grad_(True)
        with torch.enable_grad(), _no_cudnn(clf.device):
            logits = clf.model.clip_logits(batch, lengths.to(clf.device))  # (B, K)
            (grad,) = torch.autograd.grad(logits[:, target].sum(), batch)
        gxi = (grad * (batch.detach() - floor))[:, 0]  # (B, F, W)
        for (start, w), r in zip(chunk, gxi):
            total[:, start:start + w.shape[1]] += torch.relu(r)
            against[:, start:start + w.shape[1]] += torch.relu(-r)
    if not bool((total > 0).any()):
        total = against
    total /= len(windows)
    if smooth > 1:
        total = F.avg_pool2d(total[None, None], smooth, stride=1, padding=smooth // 2,
                             count_include_pad=False)[0, 0]
    out = total.cpu().numpy().astype(np.float32)
    peak = float(out.max())
    return out / peak if peak > 0 else out
