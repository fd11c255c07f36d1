"""audioclf benchmarks side by side with what a user would otherwise use, in one run.

    python -m bench [--quick | --full] [--quick-train] [--only features,train,files,batch,stream]
                    [--model M] [--threads N] [--precision auto|full|mixed]
                    [--train-seeds 0 1 2]
                    [--out bench/results.json]

Sections (each a ratio or a figure measured in this one process, on this machine):

* features: log-mel throughput (audio seconds per wall second) of audioclf's front end vs
  ``librosa.feature.melspectrogram`` + ``power_to_db``, clip by clip, on the same FSDD clips,
  decode EXCLUDED for both (clips are decoded once beforehand); also ``predict``'s path, 64
  clips zero-padded and framed in one front-end call (on ``--device``); best of 9 rounds,
  the three interleaved;
* train: wall time per epoch and time to 98% FSDD test accuracy of audioclf's default recipe
  (bench.train_fsdd.run, the lead's figure) vs bench/baseline_tutorial.py (capped), with the
  recipe's seed 0 on both sides, or once per seed of ``--train-seeds`` and their medians;
  ``--quick`` / ``--quick-train`` run two epochs of each (epoch time only; audioclf's
  figure is its second epoch, the first also builds the feature cache);
* files: real-time factor and peak RSS of ``Classifier.classify_file`` on files synthesised
  from FSDD clips and silence: 1 and 10 minutes (``--quick``: 1 minute; ``--full``: + 1 hour),
  each in a fresh process (bench/file_infer.py) so the memory figure is per duration, and
  classified there first (one-time work for the batch shapes included), then 3 times more
  (the median of those: "again");
  ``--precision mixed``: the model in bfloat16 (``audioclf predict --precision mixed``);
* batch: clips per second of ``Classifier.classify_files`` (decode included) at batch 1 and 64;
* stream: latency per 100 ms hop of live inference (bench/live_latency.bench_latency).

The model is ``--model``, else the shipped default model, else a quick FSDD model trained once
through the Trainer into build/bench/ (3 epochs). Results go to bench/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from audioclf.config import PRECISIONS
from bench.common import DEFAULT_MODEL, REPO, machine, need_fsdd

GOALS = {"features_x_librosa": 5.0, "train_x_baseline": 5.0, "train_to_98_s": 60.0,
         "file_rtf": 500.0, "stream_p99_ms": 20.0}


def fsdd_clips(n: int) -> list[Path]:
    fsdd = need_fsdd()
    files = sorted((fsdd / "test").rglob("*.wav")) + sorted((fsdd / "train").rglob("*.wav"))
    return files[:n]


def bench_model(path: str | None) -> str:
    if path:
        return path
    if DEFAULT_MODEL.exists():
        return str(DEFAULT_MODEL)
    quick = REPO / "build" / "bench" / "quick.safetensors"
    if not quick.exists():
        from audioclf.cli import build_parser, train_configs
        from audioclf.training import Trainer
        from bench.common import train_args

        print(f"no default model: training a quick one into {quick} (3 epochs)", flush=True)
        args = build_parser().parse_args(train_args([str(need_fsdd() / "train")], str(quick),
                                                    ["--epochs", "3", "--quiet"]))
        for _ in Trainer(args.data_dirs, args.out, *train_configs(args)).run():
            pass
    return str(quick)


# ------------------------------------------------------------------------------ features
def bench_features(n_clips: int, rounds: int = 3, device: str = "cpu") -> dict:
    import librosa

    from audioclf.audio import load
    from audioclf.config import FeatureConfig
    from audioclf.features import LogMel, logmel_array

    cfg = FeatureConfig.for_sample_rate(8000, n_mels=40)  # the default model's front end
    clips = [load(p, cfg.sample_rate) for p in fsdd_clips(n_clips)]
    audio_s = sum(x.size for x in clips) / cfg.sample_rate
    front = LogMel(cfg)

    def ours() -> None:
        for x in clips:
            logmel_array(x, cfg, front)

    def peer() -> None:
        for x in clips:
            m = librosa.feature.melspectrogram(
                y=x, sr=cfg.sample_rate, n_fft=cfg.n_fft, hop_length=cfg.hop_length,
                win_length=cfg.n_fft, center=False, power=2.0, n_mels=cfg.n_mels,
                fmin=cfg.f_min, fmax=cfg.top_hz, htk=True, norm="slaney")
            librosa.power_to_db(m)

    batched = _batched_front_end(clips, cfg, device)
    runs = {"audioclf": ours, "audioclf_batched": batched, "librosa": peer}
    best = dict.fromkeys(runs, float("inf"))
    for f in runs.values():  # warm-up (imports, caches, kernels)
        f()
    for _ in range(rounds):  # interleaved, so load changes hit all three alike
        for name, f in runs.items():
            t0 = time.perf_counter()
            f()
            best[name] = min(best[name], time.perf_counter() - t0)
    res = {"clips": len(clips), "audio_s": round(audio_s, 1), "decode": "excluded (all)",
           "audioclf_audio_s_per_s": audio_s / best["audioclf"],
           "librosa_audio_s_per_s": audio_s / best["librosa"],
           "batched_device": device, "batched_clips_per_call": BATCH_CLIPS,
           "batched_audio_s_per_s": audio_s / best["audioclf_batched"]}
    res["ratio"] = res["audioclf_audio_s_per_s"] / res["librosa_audio_s_per_s"]
    res["batched_ratio"] = res["batched_audio_s_per_s"] / res["librosa_audio_s_per_s"]
    return res


BATCH_CLIPS = 64  # clips per front-end call on `predict`'s path (its default --batch-size)


def _batched_front_end(clips: list, cfg, device: str):  # type: ignore[no-untyped-def]
    """`predict DIR`'s path: 64 clips zero-padded into one (pinned, on CUDA) host batch and
    framed in one front-end call (Classifier._features_batch), features left on the device;
    on CUDA the clock stops after a synchronise. Returns the function to time."""
    import torch

    from audioclf.inference import Classifier

    clf = Classifier.from_file(DEFAULT_MODEL, device, batch_size=BATCH_CLIPS)
    assert clf.fcfg == cfg, "the default model's front end is the one compared above"

    def batched() -> None:
        for i in range(0, len(clips), BATCH_CLIPS):
            clf._features_batch(clips[i:i + BATCH_CLIPS])
        if clf.device.type == "cuda":
            torch.cuda.synchronize()

    return batched


# ------------------------------------------------------------------------------ training
def _median_or_none(xs: list) -> float | None:
    """Median with None (target not reached) counted as slower than any figure; None when
    that is the median."""
    import math
    import statistics

    m = statistics.median([math.inf if x is None else x for x in xs])
    return None if math.isinf(m) else m


def bench_train(quick: bool, cap_s: float, device: str = "cpu",
                seeds: tuple[int, ...] = (0,)) -> dict:
    """audioclf's default recipe against the tutorial peer, once per training seed (each
    seed: ours, then the peer with the same seed). The headline figures are medians over the
    seeds: when a run's epoch of first reaching 98% moves with its seed, one seed's figure
    says as much about the seed as about the trainer."""
    from bench import baseline_tutorial, train_fsdd

    runs = []
    for seed in seeds:
        extra = (["--epochs", "2"] if quick else []) + ["--device", device, "--seed", str(seed)]
        ours = train_fsdd.run(False, extra)
        peer = baseline_tutorial.run(need_fsdd(), epochs=2 if quick else 30, cap_s=cap_s,
                                     device=device, seed=seed)
        h = ours["history"]
        # steady-state epoch: the first one also decodes every file into the feature cache
        runs.append({
            "seed": seed,
            "audioclf_epoch_s": ((h[-1]["wall_s"] - h[0]["wall_s"]) / (len(h) - 1)
                                 if len(h) > 1 else h[0]["wall_s"] if h else None),
            "audioclf_first_epoch_s": h[0]["wall_s"] if h else None,
            "audioclf_time_to_98_s": ours["time_to_98_s"],
            "audioclf_final_test_acc": ours["final_test_acc"],
            "baseline_epoch_s": peer["epoch_s"], "baseline_wall_s": peer["wall_s"],
            "baseline_time_to_98_s": peer["time_to_target_s"],
            "baseline_final_test_acc": peer["final_test_acc"],
            "baseline_epochs_run": peer["epochs_run"]})
        print(f"[bench] train seed {seed}: 98% after {runs[-1]['audioclf_time_to_98_s']} s "
              f"against {runs[-1]['baseline_time_to_98_s']} s (tutorial)", flush=True)

    def med(key: str) -> float | None:
        return _median_or_none([r[key] for r in runs])

    res = {"mode": "2 epochs each (--quick)" if quick else "to 98% test accuracy",
           "device": device, "seeds": list(seeds),
           "audioclf_epoch_s": med("audioclf_epoch_s"), "baseline_epoch_s": med("baseline_epoch_s"),
           "audioclf_first_epoch_s": med("audioclf_first_epoch_s"),
           "audioclf_time_to_98_s": med("audioclf_time_to_98_s"),
           "baseline_time_to_98_s": med("baseline_time_to_98_s"), "baseline_cap_s": cap_s,
           "audioclf_final_test_acc": min(r["audioclf_final_test_acc"] for r in runs),
           "baseline_final_test_acc": min(r["baseline_final_test_acc"] for r in runs),
           "baseline_epochs_run": max(r["baseline_epochs_run"] for r in runs),
           "per_seed": runs}
    ours_98, peer_98 = res["audioclf_time_to_98_s"], res["baseline_time_to_98_s"]
    if res["audioclf_epoch_s"]:
        res["epoch_ratio"] = res["baseline_epoch_s"] / res["audioclf_epoch_s"]
    if ours_98 and peer_98:
        res["ratio_to_98"] = peer_98 / ours_98
    elif ours_98 and not quick:
        wall = min(r["baseline_wall_s"] for r in runs if r["baseline_time_to_98_s"] is None)
        res["ratio_to_98"] = f">= {wall / ours_98:.1f} (baseline not reached within " \
                             f"{wall:.0f} s)"
    return res


# ------------------------------------------------------------------------------ files
def bench_files(model: str, minutes: list[float], threads: int, device: str,
                precision: str = "auto") -> list[dict]:
    from bench.file_infer import synth_long_file

    out = []
    clips = fsdd_clips(400)
    with tempfile.TemporaryDirectory() as tmp:
        for m in minutes:
            path = Path(tmp) / f"long_{m:g}min.wav"
            synth_long_file(path, m * 60, clips)
            cmd = [sys.executable, "-m", "bench.file_infer", model, str(path), "--threads",
                   str(threads), "--device", device, "--precision", precision]
            p = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, check=False)
            path.unlink()
            if p.returncode != 0:
                out.append({"minutes": m, "error": p.stderr[-2000:]})
                continue
            r = json.loads(p.stdout.strip().splitlines()[-1])
            r["minutes"] = m
            out.append(r)
            again = f", {r['rtf_again']:.0f}x again" if r.get("rtf_again") else ""
            print(f"  file {m:g} min: {r['rtf']:.0f}x real time (first in the process){again}, "
                  f"peak RSS {r['peak_rss_mb']:.0f} MB", flush=True)
    return out


# ------------------------------------------------------------------------------ batch
def bench_batch(model: str, n_clips: int, device: str) -> dict:
    from audioclf.inference import Classifier

    paths = [str(p) for p in fsdd_clips(n_clips)]
    res: dict = {"clips": len(paths), "decode": "included"}
    for bs in (1, 64):
        clf = Classifier.from_file(model, device, batch_size=bs)
        list(clf.classify_files(paths[:8]))  # warm-up
        t0 = time.perf_counter()
        n = sum(1 for _ in clf.classify_files(paths))
        res[f"batch{bs}_clips_per_s"] = n / (time.perf_counter() - t0)
    res["ratio"] = res["batch64_clips_per_s"] / res["batch1_clips_per_s"]
    return res


def bench_stream(model: str, seconds: float, device: str = "cpu") -> dict:
    from audioclf.inference import Classifier
    from bench.live_latency import bench_latency

    return {"device": device, **bench_latency(Classifier.from_file(model, device), seconds)}


# ------------------------------------------------------------------------------ table
def _f(v: object, fmt: str = "{:.0f}") -> str:
    return "n/a" if v is None else (fmt.format(v) if isinstance(v, (int, float)) else str(v))


def table(r: dict) -> str:
    rows = [("measure", "audioclf", "peer / other", "ratio", "goal")]
    s = r["sections"]
    if "features" in s:
        f = s["features"]
        rows.append(("log-mel, audio s per s (per clip, decode excl.)",
                     _f(f["audioclf_audio_s_per_s"]), _f(f["librosa_audio_s_per_s"]) + " librosa",
                     _f(f["ratio"], "{:.1f}x"), ">= 5x"))
        if "batched_audio_s_per_s" in f:
            what = (f"log-mel, {f['batched_clips_per_call']} clips per call (predict's path, "
                    f"{f['batched_device']})")
            rows.append((what, _f(f["batched_audio_s_per_s"]),
                         _f(f["librosa_audio_s_per_s"]) + " librosa",
                         _f(f["batched_ratio"], "{:.1f}x"), ">= 5x"))
    if "train" in s:
        t = s["train"]
        rows.append(("training, s per epoch (FSDD)", _f(t["audioclf_epoch_s"], "{:.1f}"),
                     _f(t["baseline_epoch_s"], "{:.1f}") + " tutorial",
                     _f(t.get("epoch_ratio"), "{:.1f}x"), ""))
        seeds = t.get("seeds", [0])
        rows.append(("training, s to 98% test accuracy"
                     + (f" (median of {len(seeds)} seeds)" if len(seeds) > 1 else ""),
                     _f(t["audioclf_time_to_98_s"]),
                     _f(t["baseline_time_to_98_s"]) + " tutorial",
                     _f(t.get("ratio_to_98"), "{:.1f}x"), ">= 5x, < 60 s"))
    for f in s.get("files", []):
        if "error" in f:
            rows.append((f"file {f['minutes']:g} min", "error", "", "", ""))
            continue
        again = f.get("rtf_again")
        rows.append((f"file {f['minutes']:g} min: x real time first / again, peak RSS (growth)",
                     (f"{f['rtf']:.0f}x / " + (f"{again:.0f}x" if again else "-")
                      + f", {f['peak_rss_mb']:.0f} MB (+{f['peak_growth_mb']:.0f})"),
                     "", "", ">= 500x, flat"))
    if "batch" in s:
        b = s["batch"]
        rows.append(("clips/s, batch 64 vs batch 1 (decode incl.)",
                     _f(b["batch64_clips_per_s"]), _f(b["batch1_clips_per_s"]) + " at batch 1",
                     _f(b["ratio"], "{:.1f}x"), ""))
    if "stream" in s:
        st = s["stream"]
        rows.append(("live latency per 100 ms hop, median / p99 ms",
                     f"{st['median_ms']:.1f} / {st['p99_ms']:.1f}", "", "", "p99 < 20"))
    widths = [max(len(str(row[i])) for row in rows) for i in range(5)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="small sizes, 2 training epochs")
    mode.add_argument("--full", action="store_true", help="adds the 1-hour file")
    ap.add_argument("--quick-train", action="store_true",
                    help="training: two epochs each (epoch time only), whatever the mode")
    ap.add_argument("--only", default="features,train,files,batch,stream")
    ap.add_argument("--model", help="model for the inference sections")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0 = torch default)")
    ap.add_argument("--device", default="cpu",
                    help="device for training (both sides), file, batch and live inference; "
                         "the per-clip feature comparison always runs on the CPU")
    ap.add_argument("--precision", default="auto", choices=list(PRECISIONS),
                    help="file inference arithmetic, as `audioclf predict --precision`")
    ap.add_argument("--baseline-cap-s", type=float, default=600.0)
    ap.add_argument("--train-seeds", type=int, nargs="+", default=[0], metavar="SEED",
                    help="training section: run both sides once per seed and report the "
                         "medians (default: 0, the default model's seed)")
    ap.add_argument("--out", default=str(REPO / "bench" / "results.json"))
    a = ap.parse_args(argv)
    import torch

    if a.threads:
        torch.set_num_threads(a.threads)
    which = set(a.only.split(","))
    model = bench_model(a.model) if which & {"files", "batch", "stream"} else None
    res: dict = {"machine": machine(), "command": " ".join(["python -m bench", *sys.argv[1:]]),
                 "model": model, "load_average": os.getloadavg(), "goals": GOALS,
                 "sections": {}}
    sec = res["sections"]
    steps = [
        ("features", lambda: bench_features(150 if a.quick else 500, rounds=9, device=a.device)),
        ("train", lambda: bench_train(a.quick or a.quick_train, a.baseline_cap_s, a.device,
                                      tuple(a.train_seeds))),
        ("files", lambda: bench_files(model, [1.0] if a.quick else
                                      [1.0, 10.0] + ([60.0] if a.full else []),
                                      a.threads, a.device, a.precision)),
        ("batch", lambda: bench_batch(model, 100 if a.quick else 250, a.device)),
        ("stream", lambda: bench_stream(model, 20.0 if a.quick else 60.0, a.device)),
    ]
    for name, fn in steps:
        if name not in which:
            continue
        print(f"[bench] {name} ...", flush=True)
        t0 = time.perf_counter()
        sec[name] = fn()
        print(f"[bench] {name} done in {time.perf_counter() - t0:.0f} s", flush=True)
    res["load_average_end"] = os.getloadavg()
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, indent=1, default=float))
    print(f"\nmachine: {res['machine']}; load average {res['load_average'][0]:.1f}")
    print(table(res))
    print(f"\nwrote {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
