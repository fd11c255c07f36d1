"""File inference in a fresh process: real-time factor and peak resident memory of one file.

    python -m bench.file_infer MODEL FILE [--threads N] [--batch-size 256] [--device cpu]
                                          [--precision auto|full|mixed] [--again 3]

Prints one JSON line. Run once per file by ``python -m bench`` so that the peak memory
(VmHWM) belongs to that file's duration alone. ``rtf`` is the file classified the first
time, after a 3-second warm-up, so it still holds the process's one-time work for the
shapes a long file brings (oneDNN's set-up of the batch-256 kernels, first touches of the
working memory); ``rtf_again`` is the same file classified ``--again N`` more times (default
3) in the same process, from the median of those times: the rate of every later file (the
app, a batch of files). ``--again 0`` skips them. Also: :func:`synth_long_file` writes a
long file from FSDD clips and silence, block by block (never the whole file in memory).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

from audioclf.config import BATCH_SIZE, PRECISIONS


def synth_long_file(path: Path, seconds: float, clips: list[Path], rate: int = 8000,
                    seed: int = 0) -> None:
    """FSDD clips separated by 0.2-1.5 s of silence (with faint noise), written per block."""
    import soundfile as sf

    from audioclf.audio import load

    rng = np.random.default_rng(seed)
    pool = [load(c, rate) for c in clips[:200]]
    total = int(seconds * rate)
    with sf.SoundFile(path, "w", rate, 1, subtype="PCM_16") as f:
        done = 0
        while done < total:
            block = []
            for _ in range(50):
                block.append(pool[int(rng.integers(len(pool)))])
                gap = int(rng.uniform(0.2, 1.5) * rate)
                block.append((rng.standard_normal(gap) * 1e-3).astype(np.float32))
            x = np.concatenate(block)[: total - done]
            f.write(x)
            done += x.size


def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def peak_rss_mb() -> float:
    """Peak resident memory of this process since it started (exec), MB.

    VmHWM, not ru_maxrss: a child's ru_maxrss starts from its parent's RSS at fork, so a big
    parent would hide the child's own peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("file")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0 = default)")
    ap.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--precision", choices=list(PRECISIONS), default="auto",
                    help="as `audioclf predict --precision` (mixed on a CPU = bfloat16)")
    ap.add_argument("--again", type=int, default=3, metavar="N",
                    help="classify the file N more times after the first (default 3)")
    a = ap.parse_args()
    import torch

    if a.threads:
        torch.set_num_threads(a.threads)
    from audioclf.inference import Classifier

    clf = Classifier.from_file(a.model, a.device, batch_size=a.batch_size,
                               amp=PRECISIONS[a.precision])
    clf.classify_array(np.zeros(clf.fcfg.sample_rate * 3, np.float32))  # warm-up
    before = rss_mb()

    def timed() -> tuple:  # (result, wall seconds)
        t0 = time.perf_counter()
        r = clf.classify_file(a.file)
        if clf.device.type == "cuda":
            torch.cuda.synchronize()
        return r, time.perf_counter() - t0

    r, wall = timed()
    walls = [timed()[1] for _ in range(a.again)]
    again = float(np.median(walls)) if walls else None
    peak = peak_rss_mb()
    print(json.dumps({"duration_s": r.duration_s, "wall_s": wall, "rtf": r.duration_s / wall,
                      "wall_again_s": again, "walls_again_s": walls,
                      "rtf_again": None if again is None else r.duration_s / again,
                      "points": len(r.times), "rss_before_mb": before, "peak_rss_mb": peak,
                      "peak_growth_mb": peak - before,
                      "threads": torch.get_num_threads(), "batch_size": a.batch_size,
                      "device": str(clf.device), "mixed_precision": clf.amp}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
