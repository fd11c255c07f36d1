"""GPU path: CUDA results equal CPU results (skipped where there is no CUDA GPU)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from synth import make_clip

from audioclf.checkpoint import load_model
from audioclf.config import FeatureConfig, ModelConfig, TrainConfig
from audioclf.features import logmel_array
from audioclf.inference import Classifier, FileResult

pytestmark = pytest.mark.requires_cuda


@contextlib.contextmanager
def _cudnn_tf32(on: bool) -> Iterator[None]:
    old = torch.backends.cudnn.allow_tf32
    torch.backends.cudnn.allow_tf32 = on
    try:
        yield
    finally:
        torch.backends.cudnn.allow_tf32 = old


def _signal(seconds: float = 6.0) -> np.ndarray:
    rng = np.random.default_rng(3)
    parts = []
    while sum(p.size for p in parts) < seconds * 8000:
        parts += [make_clip(str(rng.choice(["tone", "chirp", "noise"])), rng),
                  np.zeros(int(rng.uniform(0.1, 0.5) * 8000), np.float32)]
    return np.concatenate(parts)[: int(seconds * 8000)]


def test_features_on_gpu_equal_cpu() -> None:
    cfg = FeatureConfig.for_sample_rate(8000, n_mels=32)
    x = _signal()
    a = logmel_array(x, cfg)
    b = logmel_array(x, cfg, device="cuda")
    assert b.device.type == "cuda"
    assert (a - b.cpu()).abs().max() < 1e-3


# float32 with cuDNN's TF32 convolutions off must match the CPU to 1e-4; PyTorch's default
# (TF32 convolutions on Ampere and newer: 10-bit mantissa products) to 2e-3; the
# bf16/fp16 model (the CUDA default, --precision auto) to 5e-2.
@pytest.mark.parametrize(("mode", "tol"), [("fp32", 1e-4), ("tf32", 2e-3), ("amp", 5e-2)])
def test_cuda_timeline_equals_cpu(tiny_model: Path, mode: str, tol: float) -> None:
    cpu = Classifier(load_model(tiny_model, "cpu"), torch.device("cpu"))
    amp = mode == "amp"
    # torch.device("cuda") without an index, as a caller may pass it
    gpu = Classifier(load_model(tiny_model, "cuda"), torch.device("cuda"), amp=amp)
    assert gpu.amp == amp and gpu.device.index is not None
    x = _signal()
    with _cudnn_tf32(mode != "fp32"):
        a, b = cpu.classify_array(x), gpu.classify_array(x)
        np.testing.assert_allclose(a.times, b.times)
        assert np.abs(a.timeline - b.timeline).max() < tol
        # live == offline on the GPU too (windows made on the GPU, batched there)
        s = gpu.stream()
        probs = [p for i in range(0, x.size, 800) for _, p in s.push(x[i:i + 800])[1]]
    # live batches 1-2 windows per hop, a file 64 with its shared first block: in float32
    # the same to 1e-3; in bf16 the two orders of summation round apart (2.5e-2 seen, H200)
    assert np.abs(np.array(probs) - b.timeline).max() < max(1e-3, tol)


def test_cuda_device_names_resolve_to_one_gpu() -> None:
    from audioclf.device import select_device

    for name in ("auto", "cuda", "cuda:0"):
        dev = select_device(name)
        assert dev.type == "cuda" and dev.index is not None
        assert torch.zeros(1, device=dev).device == dev  # compares equal to a tensor's device


def test_cuda_batched_files_equal_cpu(tiny_model: Path, synth_data: Path) -> None:
    files = sorted(str(f) for f in synth_data.rglob("*.wav"))[:24]
    cpu = Classifier(load_model(tiny_model, "cpu"), torch.device("cpu"))
    gpu = Classifier(load_model(tiny_model, "cuda"), torch.device("cuda"), amp=False)
    a = [r.probs for r in cpu.classify_files(files) if isinstance(r, FileResult)]
    with _cudnn_tf32(False):  # float32 throughout, as the CPU
        b = [r.probs for r in gpu.classify_files(files) if isinstance(r, FileResult)]
    assert len(a) == len(b) == len(files)
    assert np.abs(np.array(a) - np.array(b)).max() < 1e-4


def test_training_on_cuda_with_mixed_precision(synth_data: Path, tmp_path: Path) -> None:
    from audioclf.training import Trainer

    out = tmp_path / "gpu.safetensors"
    tr = Trainer(synth_data, out,
                 TrainConfig(epochs=4, batch_size=16, lr=5e-3, val_fraction=0.2, seed=0,
                             device="cuda", amp=True),
                 FeatureConfig.for_sample_rate(8000, n_mels=32),
                 ModelConfig(conv_channels=(8, 16), hidden_size=32))
    for _ in tr.run():
        pass
    assert out.exists() and tr.result is not None and tr.result.best_val_acc is not None
    assert next(tr.bundle.model.parameters()).device.type == "cuda"
    clf = Classifier.from_file(out, "cpu")  # a model trained on the GPU runs on the CPU
    assert clf.classify_array(_signal(2.0)).timeline.shape[1] == 3
