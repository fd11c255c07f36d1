"""``audioclf listen``: classify the microphone live and print what it hears.

One line per hop (0.1 s) with the time since the start and the top classes, or with
``--jsonl`` one JSON object per hop: ``{"t", "label", "confidence", "probs": {label: p}}``.
Detected events (see :mod:`audioclf.segments`) are printed as ``# heard`` lines (plain
mode) or ``{"event": ...}`` objects (``--jsonl --events``). Stops after ``--seconds``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from audioclf.errors import AudioclfError

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser("listen", help="classify the microphone live (headless)",
                              description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--model", "-m", help="model file (default: the shipped default model)")
    p.add_argument("--device", dest="input_device", metavar="NAME",
                   help="input device: index or part of its name (default: the system default)")
    p.add_argument("--compute", default="auto", help="auto | cpu | cuda | cuda:N | mps")
    p.add_argument("--seconds", type=float, default=None,
                   help="stop after this many seconds (default: until Ctrl+C)")
    p.add_argument("--jsonl", action="store_true", help="one JSON object per hop on stdout")
    p.add_argument("--events", action="store_true", help="with --jsonl: also emit event objects")
    p.add_argument("--top", type=int, default=3, help="classes shown per line (plain output)")
    p.add_argument("--list-devices", action="store_true", help="list input devices and exit")
    p.set_defaults(func=run)
    return p


def _line(t: float, labels: list[str], probs: Any, top: int) -> str:
    order = probs.argsort()[::-1][:max(1, top)]
    best = f"{labels[order[0]]:>12s} {probs[order[0]]:.3f}"
    rest = "  ".join(f"{labels[i]} {probs[i]:.3f}" for i in order[1:])
    return f"{t:8.2f}s {best}   {rest}".rstrip()


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except AudioclfError as exc:
        print(f"audioclf: error: {exc}", file=sys.stderr, flush=True)
        return EXIT_ERROR


def _run(args: argparse.Namespace) -> int:
    from audioclf.audio.capture import list_input_devices

    if args.list_devices:
        devices = list_input_devices()
        if not devices:
            raise AudioclfError("no audio input device found (is a microphone connected?)")
        for d in devices:
            print(d.describe())
        return 0
    if args.seconds is not None and args.seconds <= 0:
        raise AudioclfError("--seconds must be positive")

    from audioclf.inference import Classifier
    from audioclf.live import LiveSession, LiveUpdate, MicSource

    clf = Classifier.from_file(args.model, args.compute)
    source = MicSource(args.input_device, clf.fcfg.sample_rate)
    labels = clf.labels
    out = sys.stdout

    def emit(upd: LiveUpdate) -> None:
        for t, p in zip(upd.times, upd.probs):
            if args.jsonl:
                k = int(p.argmax())
                out.write(json.dumps({"t": round(float(t), 4), "label": labels[k],
                                      "confidence": round(float(p[k]), 5),
                                      "probs": {lab: round(float(v), 5)
                                                for lab, v in zip(labels, p)}}) + "\n")
            else:
                out.write(_line(float(t), labels, p, args.top) + "\n")
        for s in upd.segments:
            if args.jsonl and args.events:
                out.write(json.dumps({"event": s.label, "start": round(s.start_s, 3),
                                      "end": round(s.end_s, 3),
                                      "confidence": round(s.confidence, 4)}) + "\n")
            elif not args.jsonl:
                out.write(f"# heard {s.label} ({s.start_s:.2f}-{s.end_s:.2f} s, "
                          f"{s.confidence:.2f})\n")
        if upd.times.size or upd.segments:
            out.flush()

    session = LiveSession(clf, source, on_update=emit)
    print(f"listening on '{source.name}' ({source.rate} Hz) with {len(labels)} classes; "
          f"{f'for {args.seconds:.1f} s' if args.seconds else 'Ctrl+C to stop'}",
          file=sys.stderr, flush=True)
    session.start()
    deadline = None if args.seconds is None else time.monotonic() + args.seconds
    try:
        while not session.finished.is_set():
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                break
            session.wait(0.2 if left is None else min(0.2, left))
    except KeyboardInterrupt:
        session.stop()
        return EXIT_INTERRUPTED
    session.stop()
    if session.error:
        raise AudioclfError(session.error)
    if session.dropped_hops:
        print(f"audioclf: dropped {session.dropped_hops} hops (inference fell behind)",
              file=sys.stderr)
    return 0
