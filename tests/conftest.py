"""Shared fixtures: synthetic data and a small trained model (built once per session)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).parent))

from synth import make_dataset


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    import torch

    if not torch.cuda.is_available():
        skip = pytest.mark.skip(reason="needs a CUDA GPU")
        for item in items:
            if "requires_cuda" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def _private_user_dirs(tmp_path_factory: pytest.TempPathFactory,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Live takes, caches and logs go to temporary folders, never the user's own."""
    base = tmp_path_factory.getbasetemp() / "user"
    monkeypatch.setenv("AUDIOCLF_RECORDINGS_DIR", str(base / "recordings"))


@pytest.fixture(scope="session")
def synth_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A labelled folder: chirp/, noise/, tone/ with 20 short 8 kHz clips each."""
    return make_dataset(tmp_path_factory.mktemp("synth"), per_class=20)


@pytest.fixture(scope="session")
def tiny_model(synth_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small model trained on ``synth_data`` (a few seconds on CPU); returns its path."""
    from audioclf.config import FeatureConfig, ModelConfig, TrainConfig
    from audioclf.training import Trainer

    out = tmp_path_factory.mktemp("model") / "tiny.safetensors"
    tr = Trainer(synth_data, out,
                 TrainConfig(epochs=15, batch_size=8, lr=5e-3, val_fraction=0.2, seed=0,
                             device="cpu", patience=15),
                 FeatureConfig.for_sample_rate(8000, n_mels=32),
                 ModelConfig(conv_channels=(8, 16), hidden_size=32, window_s=1.0))
    for _ in tr.run():
        pass
    assert out.exists()
    return out
