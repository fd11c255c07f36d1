"""Command line: ``audioclf train|evaluate|predict|info|listen|gui``.

Every command reports user errors as one line on stderr with a non-zero exit status; a
traceback is shown only with ``--debug``. Heavy imports happen inside the commands so that
``--help`` and ``--version`` are instant.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from audioclf import __version__, cli_train
from audioclf.cli_train import train_configs  # noqa: F401  (re-exported for bench/)
from audioclf.config import BATCH_SIZE, PRECISIONS
from audioclf.errors import AudioclfError

EXIT_ERROR = 1  # a user error (bad file, bad folder, bad option) or some files failed
EXIT_INTERRUPTED = 130


def _err(msg: str) -> None:
    print(f"audioclf: error: {msg}", file=sys.stderr)


def _expand(inputs: Sequence[str], errors: list[str] | None = None) -> list[str]:
    """Files as given; folders expanded recursively to audio files (sorted). A folder with
    no audio raises, or is added to ``errors`` (and the rest still expanded) when given."""
    from audioclf.audio import find_audio_files

    out: list[str] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            found = find_audio_files(p)
            if not found:
                if errors is None:
                    raise AudioclfError(f"{p}: no audio files found in this folder")
                errors.append(f"{p}: no audio files found in this folder")
            out.extend(found)
        else:
            out.append(item)
    return out


def _classifier(args: argparse.Namespace) -> Any:
    from audioclf.inference import Classifier

    return Classifier.from_file(args.model, args.device, batch_size=args.batch_size,
                                amp=PRECISIONS[args.precision])


# ---------------------------------------------------------------------------- evaluate
def cmd_evaluate(args: argparse.Namespace) -> int:
    import json

    from tqdm import tqdm

    from audioclf.dataset import scan_folder
    from audioclf.inference import FileFailure
    from audioclf.metrics import format_report, report

    clf = _classifier(args)
    folder = scan_folder(args.data_dir, min_classes=1)
    unknown = [lab for lab in folder.labels if lab not in clf.labels]
    if unknown:
        raise AudioclfError(f"{args.data_dir}: class(es) not known to the model: "
                            f"{', '.join(unknown)} (model classes: {', '.join(clf.labels)})")
    y_true, y_pred, failed = [], [], list(folder.skipped)
    paths = [p for p, _ in folder.items]
    truth = {p: clf.labels.index(folder.labels[y]) for p, y in folder.items}
    with tqdm(total=len(paths), desc="evaluating", unit="file", file=sys.stderr,
              disable=None, leave=False) as bar:
        for r in clf.classify_files(paths):
            bar.update(1)
            if isinstance(r, FileFailure):
                failed.append((r.path, r.error))
                continue
            y_true.append(truth[r.path])
            y_pred.append(int(r.probs.argmax()))
    for path, why in failed:
        print(f"skipped {path}: {why}", file=sys.stderr)
    if not y_true:
        raise AudioclfError(f"{args.data_dir}: no readable audio to evaluate")
    rep = report(y_true, y_pred, clf.labels)
    rep["model"] = clf.bundle.path
    rep["skipped"] = [{"file": p, "error": e} for p, e in failed]
    if args.json:
        print(json.dumps(rep))
    else:
        print(format_report(rep))
    return 0


# ---------------------------------------------------------------------------- predict
def _row(r: Any, timeline: bool, top_k: int) -> dict[str, Any]:
    d: dict[str, Any] = {
        "file": r.path, "duration_s": round(r.duration_s, 4), "label": r.label,
        "confidence": r.confidence,
        "probs": {lab: float(p) for lab, p in zip(r.labels, r.probs)},
        "top": [{"label": lab, "p": p} for lab, p in r.top(top_k)],
    }
    if timeline:
        d["times"] = [round(float(t), 4) for t in r.times]
        d["timeline"] = {lab: [float(v) for v in r.timeline[:, i]]
                         for i, lab in enumerate(r.labels)}
    return d


def cmd_predict(args: argparse.Namespace) -> int:
    import csv
    import json

    from tqdm import tqdm

    from audioclf.inference import FileFailure

    clf = _classifier(args)
    empty: list[str] = []
    paths = _expand(args.inputs, empty)
    rows: list[dict[str, Any]] = []
    failures = len(empty)
    for msg in empty:  # a folder with no audio (even one named x.wav) fails alone
        _err(msg)
        if args.json:
            rows.append({"file": msg.rsplit(": ", 1)[0], "error": msg})
    with tqdm(total=len(paths), desc="classifying", unit="file", file=sys.stderr,
              disable=None if len(paths) > 1 else True, leave=False) as bar:
        for r in clf.classify_files(paths):
            bar.update(1)
            if isinstance(r, FileFailure):
                failures += 1
                _err(r.error)
                if args.json:
                    rows.append({"file": r.path, "error": r.error})
                continue
            rows.append(_row(r, args.timeline, args.top_k))
            if not args.json and not args.csv:
                tops = ", ".join(f"{lab} {p * 100:.1f}%" for lab, p in r.top(args.top_k))
                tqdm.write(f"{r.path}\t{r.duration_s:.2f}s\t{r.label}\t{r.confidence * 100:.1f}%"
                           f"\t{tops}", file=sys.stdout)
                if args.timeline:
                    for t, p in zip(r.times, r.timeline):
                        tqdm.write(f"  {t:8.2f}s  {r.labels[int(p.argmax())]:<12} "
                                   f"{p.max() * 100:5.1f}%", file=sys.stdout)
    if args.json:
        print(json.dumps(rows))
    if args.csv:
        from audioclf.fsutil import atomic_open

        labels = clf.labels
        with atomic_open(args.csv) as raw:
            import io

            text = io.StringIO()
            w = csv.writer(text)
            w.writerow(["file", "duration_s", "label", "confidence", *[f"p_{lab}" for lab in labels]])
            for d in rows:
                if "error" in d:
                    continue
                w.writerow([d["file"], d["duration_s"], d["label"], f"{d['confidence']:.6f}",
                            *[f"{d['probs'][lab]:.6f}" for lab in labels]])
            raw.write(text.getvalue().encode("utf-8"))
        print(f"wrote {len([d for d in rows if 'error' not in d])} rows to {args.csv}",
              file=sys.stderr)
    return EXIT_ERROR if failures else 0


# ---------------------------------------------------------------------------- info / gui
def cmd_info(args: argparse.Namespace) -> int:
    import json
    from dataclasses import asdict

    from audioclf.checkpoint import default_model_path, load_model

    b = load_model(args.model or default_model_path(), "cpu")
    info = {"path": b.path, "labels": b.labels, "feature_config": asdict(b.feature_config),
            "model_config": asdict(b.model_config), "training": b.training,
            "parameters": sum(p.numel() for p in b.model.parameters())}
    print(json.dumps(info, indent=None if args.json else 2))
    return 0


def cmd_gui(args: argparse.Namespace) -> int:
    from audioclf.gui.app import main as gui_main

    argv = (["--model", args.model] if args.model else []) + list(args.files)
    argv += ["--smoke-test"] if args.smoke_test else []
    return int(gui_main(argv) or 0)


# ---------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="audioclf", description="Train and run a log-mel Conv2d-LSTM audio classifier.")
    ap.add_argument("--version", action="version", version=f"audioclf {__version__}")
    ap.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND")

    def model_opts(p: argparse.ArgumentParser) -> None:
        p.add_argument("--model", "-m", help="model file (default: the shipped default model)")
        p.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:N | mps")
        p.add_argument("--batch-size", type=int, default=BATCH_SIZE,
                       help=f"windows per model call (default {BATCH_SIZE})")
        p.add_argument("--precision", choices=list(PRECISIONS), default="auto",
                       help="model arithmetic: auto = mixed on CUDA, float32 elsewhere; mixed "
                       "on a CPU = bfloat16, faster on CPUs with AMX/AVX512-BF16, probabilities "
                       "close to float32 (default model: mean change 0.0003, largest 0.06)")

    cli_train.add_parser(sub)

    p = sub.add_parser("evaluate", help="accuracy, per-class metrics, confusion on a folder")
    p.add_argument("data_dir", metavar="DATA_DIR")
    model_opts(p)
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("predict", help="classify files or folders")
    p.add_argument("inputs", nargs="+", metavar="FILE|DIR")
    model_opts(p)
    p.add_argument("--json", action="store_true", help="a JSON list on stdout")
    p.add_argument("--csv", metavar="OUT", help="write a CSV table")
    p.add_argument("--timeline", action="store_true", help="add probabilities over time")
    p.add_argument("--top-k", type=int, default=3)
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("info", help="show a model file's classes and settings")
    p.add_argument("--model", "-m")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("gui", help="open the desktop app (the default command)")
    p.add_argument("files", nargs="*")
    p.add_argument("--model", "-m")
    p.add_argument("--smoke-test", action="store_true",
                   help="load the model, print one line and quit (0 when it loaded)")
    p.set_defaults(func=cmd_gui)

    try:
        from audioclf import cli_listen
    except ImportError:
        cli_listen = None  # type: ignore[assignment]
    if cli_listen is not None:
        cli_listen.add_parser(sub)
    from audioclf import cli_export

    cli_export.add_parsers(sub)
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["gui", *(argv or [])])
    from audioclf.logs import setup_logging

    setup_logging()  # the rotating log file in the user log dir (audioclf.paths)
    from audioclf.allocator import retain_freed_memory

    retain_freed_memory()  # steps and batches reuse freed memory, no page faults each time
    log = logging.getLogger("audioclf.cli")
    log.info("audioclf %s: %s", __version__, args.command)
    try:
        return int(args.func(args) or 0)
    except AudioclfError as exc:
        if args.debug:
            raise
        _err(str(exc))
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0
    except Exception as exc:  # last resort: one line, never a traceback, unless --debug
        log.exception("unexpected error in %s", args.command)  # the traceback: in the log
        if args.debug:
            raise
        _err(f"unexpected {type(exc).__name__}: {exc} (run with --debug for the traceback)")
        return EXIT_ERROR
