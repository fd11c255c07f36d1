"""Generalisation to voices never heard: leave-one-speaker-out on FSDD's five speakers.

    python -m bench.loso [--speakers S ...] [--augment FIELD=VALUE ...] [--no-tts]
                         [--with DIR ...] [--save-models DIR] [--teachers DIR ...]
                         [--json OUT] [-- extra `audioclf train` flags]

For each speaker: train the default model's recipe (bench/common.py) on the other four
speakers' clips (train and test splits together) plus the generated background class and the
synthetic voices (scripts/make_tts_digits.py; ``--no-tts`` leaves them out), then classify
every clip of the held-out speaker. Prints accuracy per speaker, mean and worst.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from bench.common import Timer, ensure_background, ensure_tts, machine, need_fsdd, train_args

SPEAKERS = ["george", "jackson", "lucas", "nicolas", "yweweler"]


def fold_dirs(fsdd: Path, held_out: str, tmp: Path) -> tuple[Path, Path]:
    """Symlinked labelled folders: (train without the speaker, test with only the speaker)."""
    train, test = tmp / f"train-{held_out}", tmp / f"test-{held_out}"
    for split in ("train", "test"):
        for wav in sorted((fsdd / split).glob("*/*.wav")):
            digit, speaker = wav.parent.name, wav.stem.split("_")[1]
            dest = (test if speaker == held_out else train) / digit
            dest.mkdir(parents=True, exist_ok=True)
            os.symlink(wav, dest / wav.name)
    return train, test


def _held_out_now(tr, feats, y, names, p) -> dict:  # type: ignore[no-untyped-def]
    """The model being trained, right now, on the held-out speaker (then back to training)."""
    from audioclf.inference import Classifier

    clf = Classifier(tr.bundle, next(tr.bundle.model.parameters()).device, amp=False)
    idx = np.array([clf.labels.index(n) for n in names])
    acc = float((clf.probs_of_clips(feats).argmax(1) == idx[y]).mean())
    tr.bundle.model.train()
    row = {"epoch": p.epoch, "val_acc": p.val_acc, "val_loss": tr.last_val_loss,
           "held_out_acc": acc}
    val = "n/a" if p.val_acc is None else f"{p.val_acc:.4f}"  # --val-fraction 0: none
    print(f"  epoch {p.epoch:2d}  val {val}  held-out {acc * 100:6.2f}%", flush=True)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", help="also write the result here")
    ap.add_argument("--speakers", nargs="*", default=SPEAKERS)
    ap.add_argument("--augment", nargs="*", default=[], metavar="FIELD=VALUE",
                    help="override fields of the training augmentation (audioclf.dataset."
                         "Augment), e.g. --augment stretch=0.25 warp=0.15")
    ap.add_argument("--no-tts", action="store_true",
                    help="leave the synthetic voices out of the training data")
    ap.add_argument("--with", dest="with_dirs", nargs="*", default=[], metavar="DIR",
                    help="more labelled folders for every round's training (never a held-out "
                         "FSDD speaker), e.g. build/tts from scripts/make_tts_digits.py")
    ap.add_argument("--per-epoch", action="store_true",
                    help="also classify the held-out speaker after every epoch (a diagnostic: "
                         "how its accuracy moves while the saved model is chosen on validation)")
    ap.add_argument("--save-models", metavar="DIR",
                    help="keep each round's model file here as SPEAKER.safetensors (for "
                         "python -m bench.loso_ensemble)")
    ap.add_argument("--teachers", nargs="*", default=[], metavar="DIR",
                    help="distil every round's model from DIR/SPEAKER.safetensors (the rounds' "
                         "models kept by --save-models; never trained on the held-out speaker)")
    ap.add_argument("extra", nargs="*", help="extra `audioclf train` flags")
    a = ap.parse_args()
    from audioclf.cli import build_parser, train_configs
    from audioclf.dataset import Augment
    from audioclf.inference import Classifier
    from audioclf.training import Trainer
    from bench.common import test_set

    if any("=" not in f for f in a.augment):
        ap.error("--augment takes FIELD=VALUE pairs, e.g. stretch=0.25")
    try:
        aug = Augment(**{k: float(v) for k, v in (f.split("=", 1) for f in a.augment)})
    except (TypeError, ValueError) as exc:
        ap.error(f"--augment: {exc}")
    fsdd, bg = need_fsdd(), ensure_background()
    more = a.with_dirs if a.no_tts else [str(ensure_tts()), *a.with_dirs]
    results = {}
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        for spk in a.speakers:
            train, test = fold_dirs(fsdd, spk, tmp)
            distil = [f for d in a.teachers for f in ("--teacher", f"{d}/{spk}.safetensors")]
            args = build_parser().parse_args(
                train_args([str(train), str(bg), *more], str(tmp / f"{spk}.safetensors"),
                           [*a.extra, *distil]))
            tcfg, fcfg, mcfg = train_configs(args)
            feats, y, names = test_set(fcfg, test)
            curve = []
            with Timer() as t:
                tr = Trainer(args.data_dirs, args.out, tcfg, fcfg, mcfg, augment=aug)
                for p in tr.run():
                    if a.per_epoch and p.phase == "validate":
                        curve.append(_held_out_now(tr, feats, y, names, p))
            if a.save_models:
                Path(a.save_models).mkdir(parents=True, exist_ok=True)
                shutil.copyfile(args.out, Path(a.save_models) / f"{spk}.safetensors")
            clf = Classifier(tr.bundle, "cpu")
            idx = np.array([clf.labels.index(n) for n in names])
            pred = clf.probs_of_clips(feats).argmax(1)
            acc = float((pred == idx[y]).mean())
            wrong = collections.Counter((names[yt], clf.labels[yp])
                                        for yt, yp in zip(y, pred) if clf.labels[yp] != names[yt])
            top = [f"{said}->{heard} x{n}" for (said, heard), n in wrong.most_common(5)]
            results[spk] = {"accuracy": acc, "n": len(y), "train_s": round(t.s, 1),
                            "top_confusions": top}
            if curve:
                results[spk]["per_epoch"] = curve
            print(f"{spk:10s} accuracy {acc * 100:6.2f}%  ({len(y)} clips, trained {t.s:.0f}s)"
                  f"  most confused: {', '.join(top)}", flush=True)
    accs = [r["accuracy"] for r in results.values()]
    summary = {"machine": machine(), "per_speaker": results, "mean": float(np.mean(accs)),
               "worst": float(np.min(accs)), "args": a.extra, "teachers": a.teachers, "augment": a.augment,
               "training_dirs": ["<fsdd minus the speaker>", "<background>", *more]}
    print(f"leave-one-speaker-out: mean {summary['mean'] * 100:.2f}%, worst "
          f"{summary['worst'] * 100:.2f}%")
    if a.json:
        Path(a.json).write_text(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
