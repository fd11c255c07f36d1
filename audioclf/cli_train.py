"""``audioclf train``: drive the training generator with progress bars (rank 0 only)."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path
from typing import Any

from audioclf.config import TrainConfig
from audioclf.errors import AudioclfError

EXIT_INTERRUPTED = 130


def _is_rank0() -> bool:
    return os.environ.get("RANK", "0") == "0"


def _err(msg: str) -> None:
    print(f"audioclf: error: {msg}", file=sys.stderr)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser("train", help="train a classifier on labelled folder(s)",
                       description="Train on DATA_DIR(s): one subfolder per class, audio inside. "
                       "Class folders of the same name in several DATA_DIRs are merged.")
    p.add_argument("data_dirs", nargs="+", metavar="DATA_DIR")
    p.add_argument("--out", "-o", required=True, help="model file to write (best model, atomic)")
    d = {f.name: f.default for f in dataclasses.fields(TrainConfig)}
    p.add_argument("--epochs", type=int, default=d["epochs"])
    p.add_argument("--batch-size", type=int, default=d["batch_size"])
    p.add_argument("--lr", type=float, default=d["lr"], help="peak learning rate")
    p.add_argument("--weight-decay", type=float, default=d["weight_decay"],
                   help="AdamW weight decay")
    p.add_argument("--val-fraction", type=float, default=d["val_fraction"],
                   help="share of each class held out to pick the best epoch and stop early; "
                   "0 = train on every clip and keep the last epoch")
    p.add_argument("--seed", type=int, default=d["seed"])
    p.add_argument("--patience", type=int, default=d["patience"], help="early-stopping epochs")
    p.add_argument("--target-accuracy", type=float, default=None,
                   help="stop when validation accuracy reaches this (0-1)")
    p.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:N | mps")
    p.add_argument("--no-augment", action="store_true", help="turn augmentation off")
    p.add_argument("--no-amp", action="store_true", help="no mixed precision on CUDA")
    p.add_argument("--workers", type=int, default=d["num_workers"],
                   help="decoding threads for long files (short clips are decoded in the "
                        "training thread, where a thread costs more than it saves); 0 or 1: none")
    p.add_argument("--feature-ram-mb", type=float, default=d["feature_ram_mb"],
                   help="RAM budget for cached features; bigger datasets are cached on disk")
    p.add_argument("--cache-dir", default=d["cache_dir"],
                   help="on-disk feature cache folder (default: the user cache folder)")
    p.add_argument("--resume", nargs="?", const="", default=None, metavar="MODEL",
                   help="continue from MODEL (default: from --out)")
    p.add_argument("--sample-rate", type=int, default=16000, help="model sample rate, Hz")
    p.add_argument("--n-mels", type=int, default=64)
    p.add_argument("--window-s", type=float, default=1.0, help="analysis window, seconds")
    p.add_argument("--conv-channels", type=int, nargs="+", default=[16, 32])
    p.add_argument("--time-pool", type=int, default=2,
                   help="time stride of the first conv block (LSTM steps = frames / this)")
    p.add_argument("--hidden-size", type=int, default=64)
    p.add_argument("--num-layers", type=int, default=1)
    p.add_argument("--bidirectional", action="store_true")
    p.add_argument("--dropout", type=float, default=0.1)
    p.add_argument("--input-norm", choices=["mean", "band_mean", "none"], default="mean",
                   help="per-window normalisation inside the model: mean (gain), band_mean "
                   "(gain and microphone colouring, suits speech), none")
    p.add_argument("--norm-dct", type=int, default=0, metavar="K",
                   help="with --input-norm band_mean: subtract only the first K DCT "
                   "coefficients (across mel bands) of the band means, the microphone's "
                   "smooth colouring, keeping finer spectral shape such as vowel formants "
                   "(0 = the whole band means)")
    p.add_argument("--lifter", type=int, default=0,
                   help="keep this many DCT coefficients per frame inside the model (spectral "
                   "envelope only, less speaker pitch; 0 = off)")
    p.add_argument("--teacher", dest="teachers", action="append", default=[], metavar="MODEL",
                   help="distil: also learn to match this model's probabilities (repeat for "
                   "several; their mean is matched). Same front end and classes")
    p.add_argument("--distill-weight", type=float, default=d["distill_weight"],
                   help="weight of the teachers against the labels, 0-1")
    p.add_argument("--distill-temperature", type=float, default=d["distill_temperature"])
    p.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    p.set_defaults(func=cmd_train)
    return p


def cmd_train(args: argparse.Namespace) -> int:
    from audioclf.dataset import Augment
    from audioclf.training import Trainer

    tcfg, fcfg, mcfg = train_configs(args)
    resume = args.out if args.resume == "" else args.resume
    if resume is not None and not Path(resume).exists():
        raise AudioclfError(f"{resume}: nothing to resume from (model file not found)")
    trainer = Trainer(args.data_dirs, args.out, tcfg, fcfg, mcfg, resume=resume, augment=Augment())
    return _drive_training(trainer, args)


def train_configs(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    """(TrainConfig, FeatureConfig, ModelConfig) from parsed ``train`` arguments."""
    from audioclf.config import FeatureConfig, ModelConfig, TrainConfig

    tcfg = TrainConfig(
        epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, weight_decay=args.weight_decay,
        val_fraction=args.val_fraction, seed=args.seed, patience=args.patience,
        augment=not args.no_augment, device=args.device, amp=not args.no_amp,
        target_accuracy=args.target_accuracy, num_workers=args.workers,
        feature_ram_mb=args.feature_ram_mb, cache_dir=args.cache_dir,
        teachers=tuple(args.teachers), distill_weight=args.distill_weight,
        distill_temperature=args.distill_temperature)
    fcfg = FeatureConfig.for_sample_rate(args.sample_rate, n_mels=args.n_mels)
    if args.norm_dct and args.input_norm != "band_mean":  # before any file is decoded
        raise AudioclfError("--norm-dct needs --input-norm band_mean")
    if not 0 <= args.norm_dct <= args.n_mels:
        raise AudioclfError(f"--norm-dct must be between 0 and --n-mels ({args.n_mels})")
    mcfg = ModelConfig(conv_channels=tuple(args.conv_channels), time_pool=args.time_pool,
                       hidden_size=args.hidden_size,
                       num_layers=args.num_layers, bidirectional=args.bidirectional,
                       dropout=args.dropout, window_s=args.window_s,
                       input_norm=args.input_norm, norm_dct=args.norm_dct,
                       lifter=args.lifter)
    return tcfg, fcfg, mcfg


def _drive_training(trainer: Any, args: argparse.Namespace) -> int:
    """Run the training generator with progress bars on stderr (rank 0 only)."""
    from tqdm import tqdm

    show = _is_rank0() and not args.quiet
    bar = None
    try:
        for p in trainer.run():
            if not show:
                continue
            if p.phase == "features":
                if bar is None:
                    bar = tqdm(total=p.total, desc="features", unit="file", file=sys.stderr,
                               leave=False)
                bar.n = p.done
                bar.refresh()
            elif p.phase == "train":
                if p.done == 1:
                    if bar is not None:
                        bar.close()
                    bar = tqdm(total=p.total, desc=f"epoch {p.epoch}/{p.epochs}", unit="step",
                               file=sys.stderr, leave=False)
                assert bar is not None
                bar.update(1)
                bar.set_postfix(loss=f"{p.loss:.3f}", acc=f"{p.train_acc:.3f}", refresh=False)
            elif p.phase == "validate":
                if bar is not None:
                    bar.close()
                    bar = None
                val = "n/a" if p.val_acc is None else f"{p.val_acc * 100:.2f}%"
                eta = f", eta {p.eta_s:.0f}s" if p.eta_s else ""
                print(f"epoch {p.epoch:3d}/{p.epochs}: loss {p.loss:.4f}, train acc "
                      f"{p.train_acc * 100:.2f}%, val acc {val}{' (saved)' if p.improved else ''}"
                      f" [{p.elapsed_s:.1f}s{eta}]", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        if bar is not None:
            bar.close()
        if show:
            where = args.out if Path(args.out).exists() else "nowhere yet (no epoch finished)"
            _err(f"interrupted; the best model so far is in {where} (resume with --resume)")
        return EXIT_INTERRUPTED
    finally:
        if bar is not None:
            bar.close()
    res = trainer.result
    assert res is not None
    if show:
        for path, why in res.skipped:
            print(f"skipped {path}: {why}", file=sys.stderr)
        best = "n/a" if res.best_val_acc is None else f"{res.best_val_acc * 100:.2f}%"
        print(f"saved {res.model_path}: {len(res.labels)} classes, best val acc {best} at epoch "
              f"{res.best_epoch}, {res.epochs_run} epochs in {res.elapsed_s:.1f}s"
              + (f", {len(res.skipped)} files skipped" if res.skipped else ""), file=sys.stderr)
    try:
        import torch.distributed as dist

        if dist.is_initialized():
            dist.destroy_process_group()
    except ImportError:
        pass
    return 0
