"""The command line on the GPU against the CPU, on the shipped default model, as a user runs it.

    python -m bench.gpu_cli [--out FILE.json]

* ``audioclf evaluate FSDD/test`` with ``--device cpu``, ``--device cuda`` (the CUDA default,
  bfloat16) and ``--device cuda --precision full``: accuracy and wall time of each (``--device
  cpu`` here makes it a dry run on a machine without a GPU);
* ``audioclf predict --json --timeline`` of the example clips and 50 FSDD test clips on the
  CPU and on CUDA: the labels that differ and the largest probability differences.

Each command runs in its own process, as typed, so the wall time includes start-up. Needs a
CUDA GPU (bench/gpu.sh runs it there).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import numpy as np

from bench.common import REPO, machine, need_fsdd


def cli(*args: str) -> tuple[object, float]:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "audioclf", *args], capture_output=True,
                          text=True, check=False, cwd=REPO)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"bench.gpu_cli: audioclf {' '.join(args)} failed: {proc.stderr.strip()}")
    return json.loads(proc.stdout), wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(REPO / "bench" / "results_cuda_cli.json"))
    ap.add_argument("--device", default="cuda", help="the device compared with the CPU")
    a = ap.parse_args()
    test = need_fsdd() / "test"
    auto, full = f"{a.device} (default precision)", f"{a.device} (float32)"
    runs = {"cpu": ["--device", "cpu"], auto: ["--device", a.device],
            full: ["--device", a.device, "--precision", "full"]}
    evaluate = {}
    for name, flags in runs.items():
        res, wall = cli("evaluate", str(test), *flags, "--json")
        assert isinstance(res, dict)
        evaluate[name] = {"accuracy": res["accuracy"], "wall_s": round(wall, 2)}
        print(f"evaluate {name:26s} accuracy {res['accuracy']:.4f}  {wall:5.1f} s", flush=True)
    files = sorted(str(p) for p in (REPO / "resources" / "examples").iterdir())
    files += sorted(str(p) for p in test.rglob("*.wav"))[::5][:50]
    preds = {name: cli("predict", *files, *flags, "--json", "--timeline")[0]
             for name, flags in runs.items()}
    predict = {}
    for name in (auto, full):
        cpu, gpu = preds["cpu"], preds[name]
        assert isinstance(cpu, list) and isinstance(gpu, list) and len(cpu) == len(gpu)
        pairs = list(zip(cpu, gpu, strict=True))
        differ = [c["file"] for c, g in pairs if c["label"] != g["label"]]
        clip = max(abs(c["probs"][k] - g["probs"][k]) for c, g in pairs for k in c["probs"])
        timeline = max(float(np.abs(np.array(c["timeline"][k]) - np.array(g["timeline"][k])).max())
                       for c, g in pairs for k in c["probs"])
        predict[name] = {"files": len(files), "labels_differ": differ,
                         "max_clip_prob_diff": clip, "max_timeline_prob_diff": timeline}
        print(f"predict {name:26s} {len(files)} files: {len(differ)} labels differ from the "
              f"CPU's; largest difference {clip:.2e} (clip), {timeline:.2e} (timeline)")
    out = {"machine": machine(), "command": "python -m bench.gpu_cli",
           "evaluate": evaluate, "predict": predict}
    with open(a.out, "w") as fh:
        json.dump(out, fh, indent=1)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
