"""``audioclf export`` (a model for ONNX Runtime / TorchScript) and ``audioclf detect``
(events in recordings as CSV, Audacity label tracks or Raven selection tables)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from audioclf.config import BATCH_SIZE
from audioclf.errors import AudioclfError

EXIT_ERROR = 1


def add_parsers(subparsers: Any) -> None:
    from audioclf.detections import FORMATS as DET_FORMATS
    from audioclf.export import FORMATS as EXPORT_FORMATS

    p = subparsers.add_parser(
        "export", help="export a model (audio in, probabilities out) to ONNX or TorchScript",
        description="Write MODEL as a self-contained ONNX or TorchScript model: input 'audio' "
        "(1, N) float32 mono at the model's sample rate, output 'probs' (1, K), log-mel front "
        "end included; plus a sidecar JSON (OUT.json) with labels, sample rate and window.")
    p.add_argument("model", metavar="MODEL", nargs="?",
                   help="model file (default: the shipped default model)")
    p.add_argument("--format", "-f", choices=list(EXPORT_FORMATS), default="onnx")
    p.add_argument("--out", "-o", metavar="PATH",
                   help="output file (default: MODEL with .onnx / .pt)")
    p.set_defaults(func=cmd_export)

    p = subparsers.add_parser(
        "detect", help="find events in recordings; write CSV, Audacity or Raven tables",
        description="Classify recordings over time (1 point per 0.1 s), merge confident "
        "points into events (start, end, class, confidence) and write them as a CSV table, "
        "an Audacity label track (.txt) or a Raven selection table (.selections.txt). "
        "Background classes are never reported.")
    p.add_argument("inputs", nargs="+", metavar="FILE|DIR")
    p.add_argument("--model", "-m", help="model file (default: the shipped default model)")
    p.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:N | mps")
    p.add_argument("--batch-size", type=int, default=BATCH_SIZE,
                   help=f"windows per model call (default {BATCH_SIZE})")
    p.add_argument("--format", "-f", choices=list(DET_FORMATS), default="csv")
    p.add_argument("--out", "-o", metavar="PATH|DIR",
                   help="output file, or a folder for one file per recording (a folder when "
                   "it exists or ends with '/', or for several recordings in the Audacity and "
                   "Raven formats); default: next to each recording")
    p.add_argument("--threshold", type=float, default=0.5,
                   help="probability the top class needs (default 0.5)")
    p.add_argument("--min-duration", type=float, default=0.0, metavar="SECONDS",
                   help="drop shorter events (default 0)")
    p.add_argument("--merge-gap", type=float, default=0.35, metavar="SECONDS",
                   help="join same-class events closer than this (default 0.35)")
    p.set_defaults(func=cmd_detect)


def cmd_export(args: argparse.Namespace) -> int:
    from audioclf.checkpoint import default_model_path
    from audioclf.export import export_model

    out, side = export_model(args.model or default_model_path(), args.format, args.out)
    print(f"wrote {out} and {side}", file=sys.stderr)
    return 0


def cmd_detect(args: argparse.Namespace) -> int:
    from audioclf.cli import _err, _expand
    from audioclf.detections import detect, output_path, write_detections
    from audioclf.inference import Classifier

    if not 0.0 < args.threshold <= 1.0:
        raise AudioclfError("--threshold must be in (0, 1]")
    paths = _expand(args.inputs)
    clf = Classifier.from_file(args.model, args.device, batch_size=args.batch_size)
    band = (clf.fcfg.f_min, clf.fcfg.top_hz)
    out = args.out
    to_dir = out is not None and (Path(out).is_dir() or out.endswith(("/", os.sep))
                                  or (args.format != "csv" and len(paths) > 1))
    one_file = out is not None and not to_dir
    if one_file and args.format != "csv" and len(paths) > 1:
        raise AudioclfError(f"{args.format} files hold one recording each: give a folder")
    collected: list[tuple[str, Any]] = []
    failures = 0
    for path in paths:
        try:
            r = clf.classify_file(path)
        except AudioclfError as exc:
            failures += 1
            _err(str(exc))
            continue
        dets = detect(r.times, r.timeline, r.labels, r.duration_s, threshold=args.threshold,
                      merge_gap_s=args.merge_gap, min_duration_s=args.min_duration)
        if one_file:
            collected.append((path, dets))
            continue
        target = output_path(path, out if to_dir else Path(path).parent, args.format)
        write_detections(target, args.format, [(path, dets)], band)
        print(f"{path}: {len(dets)} events -> {target}", file=sys.stderr)
    if one_file:
        write_detections(out, args.format, collected, band)
        print(f"{sum(len(d) for _, d in collected)} events from {len(collected)} file(s) -> "
              f"{out}", file=sys.stderr)
    return EXIT_ERROR if failures else 0
