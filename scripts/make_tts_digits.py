#!/usr/bin/env python3
"""Synthetic spoken digits from the speech synthesisers Debian ships (espeak-ng, flite).

More voices for training, where FSDD has four or five: every English accent of espeak-ng
(American, British RP, Scottish, Lancaster, West Midlands, Caribbean) with its voice variants
(formant sets), and flite's five voices, each at a random pitch and speaking rate. Writes
OUT/<digit>/tts_<engine>_<voice>_<n>.wav, mono 16-bit at --sample-rate, trimmed to the word
(FSDD's clips are trimmed too) and peak-normalised to a random level. Deterministic for a given
--seed and synthesiser version.

    python scripts/make_tts_digits.py --out build/tts --per-digit 150 --sample-rate 8000

Needs the `espeak-ng` and `flite` programs (Debian/Ubuntu: apt-get install espeak-ng flite).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import soundfile as sf

WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
ESPEAK_ACCENTS = ["en-us", "en-gb", "en-gb-x-rp", "en-gb-scotland", "en-gb-x-gbclan",
                  "en-gb-x-gbcwmd", "en-029"]
# espeak-ng voice variants (formant sets); the whisper and robot-like ones are left out
ESPEAK_VARIANTS = ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "f1", "f2", "f3", "f4",
                   "f5", "klatt", "klatt2", "klatt3", "klatt4", "klatt6", "Andy", "Alex",
                   "Denis", "Gene", "Hugo", "Lee", "Marco", "Mario", "Michael", "Mike",
                   "Storm", "adam", "benjamin", "boris", "caleb", "david", "ed", "edward",
                   "iven", "iven2", "john", "max", "michel", "norbert", "paul", "pedro",
                   "quincy", "rob", "robert", "steph", "travis", "victor", "zac", "grandpa"]
FLITE_VOICES = ["kal", "kal16", "awb", "rms", "slt"]


def voices(rng: np.random.Generator, per_digit: int) -> list[tuple[str, list[str]]]:
    """(name, argv without the text and output) for one clip per digit each."""
    out = []
    for i in range(per_digit):
        if i % 5 == 4:  # one in five from flite
            v = FLITE_VOICES[(i // 5) % len(FLITE_VOICES)]
            f0 = {"slt": 160.0}.get(v, 105.0) * rng.uniform(0.75, 1.35)
            out.append((f"flite_{v}_{i}", ["flite", "-voice", v, "--setf",
                                            f"duration_stretch={rng.uniform(0.8, 1.4):.2f}",
                                            "--setf", f"int_f0_target_mean={f0:.0f}"]))
        else:
            acc = ESPEAK_ACCENTS[int(rng.integers(len(ESPEAK_ACCENTS)))]
            var = ESPEAK_VARIANTS[int(rng.integers(len(ESPEAK_VARIANTS)))]
            out.append((f"espeak_{acc}+{var}_{i}",
                        ["espeak-ng", "-v", f"{acc}+{var}", "-p", str(int(rng.integers(20, 80))),
                         "-s", str(int(rng.integers(110, 230)))]))
    return out


def trim(x: np.ndarray, sr: int, floor_db: float = -40.0) -> np.ndarray:
    """Cut leading and trailing frames quieter than floor_db below the peak frame (+20 ms)."""
    hop = max(1, sr // 100)
    n = x.size // hop
    if n == 0:
        return x
    e = 10 * np.log10(np.mean(x[: n * hop].reshape(n, hop) ** 2, axis=1) + 1e-12)
    on = np.flatnonzero(e > e.max() + floor_db)
    lo, hi = max(0, (on[0] - 2) * hop), min(x.size, (on[-1] + 3) * hop)
    return x[lo:hi]


def render(argv: list[str], word: str, sr: int, gain_db: float, wav: Path) -> np.ndarray:
    """Synthesise ``word`` into the scratch file ``wav`` (one per job), read it back, delete it.

    Not audioclf.audio.load: its cached Resample kernel rounds 1 LSB apart from this one on
    most clips, and the shipped default model was trained on exactly these files (a rebuild
    with load's output ended at 98.4% FSDD test instead of 98.8%)."""
    import torch
    import torchaudio

    if argv[0] == "flite":
        cmd = [*argv, "-t", word, "-o", str(wav)]
    else:
        cmd = [*argv, "-w", str(wav), word]
    subprocess.run(cmd, check=True, capture_output=True)
    x, rate = sf.read(wav, dtype="float32", always_2d=True)
    wav.unlink()
    x = x.mean(axis=1)
    if rate != sr:
        x = torchaudio.functional.resample(torch.from_numpy(x), rate, sr).numpy()
    x = trim(x, sr)
    return (x / (np.abs(x).max() + 1e-9) * 10 ** (gain_db / 20)).astype(np.float32)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--per-digit", type=int, default=150)
    ap.add_argument("--sample-rate", type=int, default=8000)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    missing = [p for p in ("espeak-ng", "flite") if shutil.which(p) is None]
    if missing:
        print(f"make_tts_digits: missing {' and '.join(missing)} (Debian/Ubuntu: apt-get "
              f"install espeak-ng flite)", file=sys.stderr)
        return 1
    rng = np.random.default_rng(a.seed)
    out = Path(a.out)
    jobs = []
    for d, word in enumerate(WORDS):
        (out / str(d)).mkdir(parents=True, exist_ok=True)
        for name, argv in voices(rng, a.per_digit):
            jobs.append((out / str(d) / f"tts_{name}.wav", argv, word,
                         float(rng.uniform(-12.0, -1.0))))
    with tempfile.TemporaryDirectory() as td, ThreadPoolExecutor(4) as pool:
        def one(job: tuple[Path, list[str], str, float]) -> None:
            path, argv, word, gain = job
            scratch = Path(td) / f"{path.parent.name}_{path.name}"  # unique per job
            sf.write(path, render(argv, word, a.sample_rate, gain, scratch), a.sample_rate,
                     subtype="PCM_16")

        try:
            list(pool.map(one, jobs))
        except subprocess.CalledProcessError as exc:
            err = (exc.stderr or b"").decode(errors="replace").strip().splitlines()
            print(f"make_tts_digits: {' '.join(exc.cmd[:5])} failed: "
                  f"{err[-1] if err else f'exit status {exc.returncode}'}", file=sys.stderr)
            return 1
    print(f"wrote {len(jobs)} clips to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
