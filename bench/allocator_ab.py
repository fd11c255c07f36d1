"""glibc's malloc defaults against audioclf's (:mod:`audioclf.allocator`), in fresh processes
taking turns: training epochs and page faults, and file inference.

    python -m bench.allocator_ab [--rounds 3] [--epochs 4] [--json OUT]

Each round trains the default recipe on FSDD train for a few epochs in a new process, once with
``AUDIOCLF_MALLOC_DEFAULTS=1`` (glibc's moving thresholds) and once without, then classifies
the same 10-minute file both ways (``bench.file_infer``). Prints per-epoch wall time, CPU time
in the kernel and minor page faults (epoch 1 also decodes every file), and the file's real-time
factor and peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import DEFAULT_MODEL, REPO, machine, need_fsdd, train_args

SETTINGS = {"glibc defaults": {"AUDIOCLF_MALLOC_DEFAULTS": "1"}, "audioclf": {}}


def child_train(epochs: int) -> None:
    from audioclf.allocator import retain_freed_memory
    from audioclf.cli import build_parser, train_configs
    from audioclf.training import Trainer

    applied = retain_freed_memory()  # as `audioclf train` does (unless the env says no)
    import torch._dynamo  # noqa: F401  # one-time import, outside the epochs (see train_fsdd)

    with tempfile.TemporaryDirectory() as tmp:
        args = build_parser().parse_args(train_args(
            [str(need_fsdd() / "train")], f"{tmp}/m.safetensors",
            ["--epochs", str(epochs), "--quiet"]))
        tr = Trainer(args.data_dirs, args.out, *train_configs(args))
        rows = []
        last, r0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
        for p in tr.run():
            if p.phase != "validate":
                continue
            now, r1 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
            rows.append({"epoch": p.epoch, "wall_s": now - last,
                         "sys_s": r1.ru_stime - r0.ru_stime,
                         "faults": r1.ru_minflt - r0.ru_minflt})
            last, r0 = now, r1
    print(json.dumps({"applied": applied, "epochs": rows}))


def _run(cmd: list[str], extra_env: dict[str, str]) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "AUDIOCLF_MALLOC_DEFAULTS"}
    p = subprocess.run(cmd, env={**env, **extra_env}, capture_output=True, text=True,
                       cwd=REPO, check=False)
    if p.returncode != 0:
        sys.exit(f"bench.allocator_ab: {' '.join(cmd)} failed:\n{p.stderr[-2000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--json", help="also write the result here")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        child_train(a.epochs)
        return
    from bench.__main__ import fsdd_clips
    from bench.file_infer import synth_long_file

    res: dict[str, dict[str, list]] = {k: {"train": [], "file": []} for k in SETTINGS}
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "long_10min.wav"
        synth_long_file(wav, 600, fsdd_clips(400))
        for rnd in range(1, a.rounds + 1):
            for name, env in SETTINGS.items():
                tr = _run([sys.executable, "-m", "bench.allocator_ab", "--child", "--epochs",
                           str(a.epochs)], env)
                fi = _run([sys.executable, "-m", "bench.file_infer", str(DEFAULT_MODEL),
                           str(wav), "--threads", "2", "--again", "0"], env)
                res[name]["train"].append(tr["epochs"])
                res[name]["file"].append(fi)
                ep = " ".join(f"{e['wall_s']:.2f}s/{e['sys_s']:.2f}/{e['faults']}"
                              for e in tr["epochs"])
                print(f"round {rnd} {name:15s} epochs (wall/sys/faults): {ep}; 10-min file "
                      f"{fi['rtf']:.0f}x, peak {fi['peak_rss_mb']:.0f} MB", flush=True)
    summary = {}
    for name, r in res.items():
        later = [e for run in r["train"] for e in run[1:]]  # epochs 2..N
        summary[name] = {
            "epoch_s_median": float(np.median([e["wall_s"] for e in later])),
            "epoch_sys_s_median": float(np.median([e["sys_s"] for e in later])),
            "epoch_faults_median": float(np.median([e["faults"] for e in later])),
            "file_rtf_median": float(np.median([f["rtf"] for f in r["file"]])),
            "file_peak_rss_mb_max": float(max(f["peak_rss_mb"] for f in r["file"]))}
        s = summary[name]
        print(f"{name:15s} epochs 2-{a.epochs}: median {s['epoch_s_median']:.2f} s, kernel "
              f"{s['epoch_sys_s_median']:.2f} s, {s['epoch_faults_median']:.0f} page faults; "
              f"10-min file median {s['file_rtf_median']:.0f}x, peak RSS up to "
              f"{s['file_peak_rss_mb_max']:.0f} MB")
    if a.json:
        Path(a.json).write_text(json.dumps({"machine": machine(), "rounds": a.rounds,
                                            "summary": summary, "runs": res}, indent=1))


if __name__ == "__main__":
    main()
