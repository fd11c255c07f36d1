"""Feature cache: a dataset over the RAM budget is cached on disk, with identical results."""

from __future__ import annotations

from pathlib import Path

import torch

from audioclf.config import FeatureConfig, ModelConfig, TrainConfig
from audioclf.dataset import scan_folder
from audioclf.feature_cache import DiskFeatures, FeatureCache
from audioclf.training import Trainer

FCFG = FeatureConfig.for_sample_rate(8000, n_mels=32)


def test_tiny_budget_goes_to_disk_same_features_and_reused(synth_data: Path, tmp_path: Path):
    paths = [p for p, _ in scan_folder(synth_data).items]
    mem = FeatureCache(paths, FCFG, max_frames=400, ram_mb=1024, cache_dir=tmp_path)
    assert not mem.on_disk and mem.estimate_bytes > 0
    assert [e for _, e in mem.build()] == [None] * len(paths)
    disk = FeatureCache(paths, FCFG, max_frames=400, ram_mb=0.001, cache_dir=tmp_path)
    assert disk.on_disk
    assert [e for _, e in disk.build()] == [None] * len(paths)
    keep = list(range(0, len(paths), 2))
    a, b = mem.select(keep), disk.select(keep)
    assert isinstance(b, DiskFeatures) and len(b) == len(a)
    for x, y in zip(a, b):
        assert torch.equal(x, y)
    assert disk.lengths(keep) == [int(x.shape[1]) for x in a]
    assert len(list(disk.folder.glob("*.npy"))) == len(paths)
    assert not list(disk.folder.glob(".*"))  # no temporary files left
    again = FeatureCache(paths, FCFG, max_frames=400, ram_mb=0.001, cache_dir=tmp_path)
    list(again.build())
    assert again.decoded == 0  # every file came from the disk cache
    other = FeatureCache(paths, FCFG, max_frames=200, ram_mb=0.001, cache_dir=tmp_path)
    assert other.folder != disk.folder  # another front end / cap never reuses entries


def test_training_from_disk_cache_equals_training_in_ram(synth_data: Path, tmp_path: Path):
    def train(ram_mb: float, name: str) -> Trainer:
        tr = Trainer(synth_data, tmp_path / f"{name}.safetensors",
                     TrainConfig(epochs=2, batch_size=16, lr=5e-3, val_fraction=0.2, seed=0,
                                 device="cpu", feature_ram_mb=ram_mb,
                                 cache_dir=str(tmp_path / "cache")),
                     FCFG, ModelConfig(conv_channels=(8, 16), hidden_size=32))
        for _ in tr.run():
            pass
        return tr

    ram, disk = train(4096, "ram"), train(0.0, "disk")
    assert not ram.feature_cache.on_disk and disk.feature_cache.on_disk
    assert [h["val_acc"] for h in ram.history] == [h["val_acc"] for h in disk.history]
    sa, sb = ram.bundle.model.state_dict(), disk.bundle.model.state_dict()
    for k in sa:
        assert torch.allclose(sa[k], sb[k], atol=1e-6), k


def test_sizing_reuses_the_durations_of_the_folder_scan(synth_data, monkeypatch):
    from audioclf import audio
    from audioclf.feature_cache import estimate_bytes

    folder = scan_folder(synth_data)
    paths = [p for p, _ in folder.items]
    assert sorted(folder.durations) == sorted(paths)
    assert all(d > 0 for d in folder.durations.values())
    probed = estimate_bytes(paths, FCFG, 400)

    def no_probe(path):
        raise AssertionError(f"{path} opened again")

    monkeypatch.setattr(audio, "probe", no_probe)
    assert estimate_bytes(paths, FCFG, 400, folder.durations) == probed > 0
    cache = FeatureCache(paths, FCFG, max_frames=400, ram_mb=1024, durations=folder.durations)
    assert cache.estimate_bytes == probed
