"""When nobody speaks: does a model say `background`, and does listening stay quiet?

    python -m bench.background_checks [--model M [M ...]] [--clips N] [--json OUT]

For each model (default: the shipped one), three checks of sounds that are not speech:

* held-out background clips: ``scripts/make_background.py`` with another seed (1) than the
  training set's (the script's default, 1234), N clips (default 1000), each classified on its
  own; how many come out as ``background``;
* continuous sound, 2 minutes each: silence, white, pink and brown noise and mains hum at
  -50, -35 and -20 dBFS, and pink noise whose level drifts between -50 and -25 dBFS; each is
  classified as one file and decoded with the segmenter of ``audioclf listen``: every segment
  found is a false detection;
* pure tones (not in the background class): 220, 440, 1000 and 2000 Hz at -40, -30 and
  -20 dBFS, 3 s each: the top class and its probability.

Needs no FSDD data; the models must have a ``background`` class.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from bench.common import DEFAULT_MODEL, REPO

sys.path.insert(0, str(REPO / "scripts"))
from make_background import coloured, db  # the background class's own generators

RATE = 8000
LEVELS_DB = (-50, -35, -20)
TONES_HZ = (220, 440, 1000, 2000)
TONE_LEVELS_DB = (-40, -30, -20)


def _at_db(x: np.ndarray, level_db: float) -> np.ndarray:
    return (x / np.sqrt(np.mean(x ** 2)) * db(level_db)).astype(np.float32)


def continuous_signals(seconds: float = 120.0, seed: int = 5) -> dict[str, np.ndarray]:
    n = int(seconds * RATE)
    rng = np.random.default_rng(seed)
    t = np.arange(n) / RATE
    sigs = {"silence": np.zeros(n, np.float32)}
    hum = np.sin(2 * np.pi * 50 * t) + 0.5 * np.sin(2 * np.pi * 100 * t) \
        + 0.3 * np.sin(2 * np.pi * 150 * t)
    for level in LEVELS_DB:
        sigs[f"white {level} dB"] = _at_db(rng.standard_normal(n), level)
        sigs[f"pink {level} dB"] = _at_db(coloured(n, 1, rng, RATE), level)
        sigs[f"brown {level} dB"] = _at_db(coloured(n, 2, rng, RATE), level)
        sigs[f"hum {level} dB"] = _at_db(hum, level)
    drift = 10 ** ((-37.5 + 12.5 * np.sin(2 * np.pi * t / 40)) / 20)
    sigs["pink, level drifting"] = (_at_db(coloured(n, 1, rng, RATE), 0) * drift).astype(
        np.float32)
    return sigs


def check(model: str, clips_dir: Path, continuous: dict[str, np.ndarray]) -> dict:
    from audioclf.inference import Classifier
    from audioclf.segments import segment_points

    clf = Classifier.from_file(model, "cpu")
    if "background" not in clf.labels:
        sys.exit(f"bench: {model} has no 'background' class")
    res: dict = {"model": model}
    files = sorted(str(p) for p in clips_dir.rglob("*.wav"))
    labels = [getattr(r, "label", "(failed)") for r in clf.classify_files(files)]
    wrong = [lab for lab in labels if lab != "background"]
    res["clips"] = {"n": len(labels), "background": len(labels) - len(wrong),
                    "other_labels": sorted(wrong)}
    cont = {}
    for name, x in continuous.items():
        r = clf.classify_array(x)
        cont[name] = "".join(s.label for s in segment_points(clf.labels,
                                                               zip(r.times, r.timeline)))
    res["continuous"] = cont
    tones = {}
    t = np.arange(3 * RATE) / RATE
    for hz in TONES_HZ:
        for level in TONE_LEVELS_DB:
            r = clf.classify_array(_at_db(np.sin(2 * np.pi * hz * t), level))
            i = int(np.argmax(r.probs))
            tones[f"{hz} Hz {level} dB"] = [clf.labels[i], round(float(r.probs[i]), 2)]
    res["tones"] = tones
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", nargs="+", default=[str(DEFAULT_MODEL)])
    ap.add_argument("--clips", type=int, default=1000, help="held-out background clips")
    ap.add_argument("--json", help="also write the results here")
    a = ap.parse_args()
    from audioclf.allocator import retain_freed_memory

    retain_freed_memory()
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        p = subprocess.run([sys.executable, str(REPO / "scripts" / "make_background.py"),
                            "--out", tmp, "--count", str(a.clips), "--sample-rate", str(RATE),
                            "--seed", "1"], capture_output=True, text=True, check=False)
        if p.returncode != 0:
            sys.exit(f"bench: background clips could not be generated: {p.stderr[-500:]}")
        continuous = continuous_signals()  # the same sounds for every model, made once
        for m in a.model:
            r = check(m, Path(tmp), continuous)
            out.append(r)
            c = r["clips"]
            false = {k: v for k, v in r["continuous"].items() if v}
            n_false = sum(len(v) for v in r["continuous"].values())
            tones_bg = sum(v[0] == "background" for v in r["tones"].values())
            print(f"{m}\n  held-out background clips: {c['background']} of {c['n']} "
                  f"({', '.join(c['other_labels']) or 'none other'})\n"
                  f"  continuous, {len(r['continuous'])} x 2 min: {n_false} false detections"
                  f"{' ' + str(false) if false else ''}\n"
                  f"  pure tones: {tones_bg} of {len(r['tones'])} as background; others: "
                  + (", ".join(f"{k} -> {v[0]} {v[1]:.2f}" for k, v in r["tones"].items()
                               if v[0] != "background") or "none"), flush=True)
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
