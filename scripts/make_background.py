#!/usr/bin/env python3
"""Generate the default model's ``background`` class: what "nothing is being said" sounds like.

Writes OUT/background/bg_NNNN.wav: near-silence (dither), room tone (pink and brown noise),
mains hum (50/60 Hz and harmonics), white and band-limited noise (fans, hiss), at levels from
-90 to -20 dBFS, some mixed together, 0.3-2.0 s long. Deterministic for a given --seed.

    python scripts/make_background.py --out build/background --count 300 --sample-rate 8000
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import soundfile as sf


def coloured(n: int, exponent: float, rng: np.random.Generator, sr: int) -> np.ndarray:
    """Noise with power spectrum ~ 1/f**exponent (0 white, 1 pink, 2 brown), unit RMS."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.maximum(np.fft.rfftfreq(n, 1 / sr), 10.0)
    x = np.fft.irfft(spec / f ** (exponent / 2), n)
    return x / (np.std(x) + 1e-12)


def band_noise(n: int, lo: float, hi: float, rng: np.random.Generator, sr: int) -> np.ndarray:
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / sr)
    spec[(f < lo) | (f > hi)] = 0
    x = np.fft.irfft(spec, n)
    return x / (np.std(x) + 1e-12)


def hum(n: int, rng: np.random.Generator, sr: int) -> np.ndarray:
    base = rng.choice([50.0, 60.0]) * rng.uniform(0.99, 1.01)
    t = np.arange(n) / sr
    x = sum(rng.uniform(0.1, 1.0) / k * np.sin(2 * np.pi * base * k * t + rng.uniform(0, 6.3))
            for k in range(1, 8) if base * k < sr / 2)
    return x / (np.std(x) + 1e-12)


def db(level_db: float) -> float:
    return float(10 ** (level_db / 20))


def make_clip(rng: np.random.Generator, sr: int) -> np.ndarray:
    n = int(rng.uniform(0.3, 2.0) * sr)
    kind = rng.choice(["silence", "room", "hum", "white", "band", "mix"],
                      p=[0.15, 0.25, 0.15, 0.15, 0.15, 0.15])
    if kind == "silence":
        x = db(rng.uniform(-100, -80)) * rng.standard_normal(n)
    elif kind == "room":
        x = db(rng.uniform(-75, -35)) * coloured(n, rng.choice([1.0, 2.0]), rng, sr)
    elif kind == "hum":
        x = db(rng.uniform(-60, -25)) * hum(n, rng, sr) + db(-80) * rng.standard_normal(n)
    elif kind == "white":
        x = db(rng.uniform(-70, -25)) * rng.standard_normal(n)
    elif kind == "band":
        lo = rng.uniform(50, sr / 4)
        x = db(rng.uniform(-65, -25)) * band_noise(n, lo, min(sr / 2, lo * rng.uniform(1.5, 6)),
                                                   rng, sr)
    else:
        x = (db(rng.uniform(-70, -40)) * coloured(n, 1.0, rng, sr)
             + db(rng.uniform(-70, -40)) * hum(n, rng, sr)
             + db(rng.uniform(-80, -45)) * rng.standard_normal(n))
    if rng.random() < 0.3:  # slow level changes, like a fan or traffic passing
        x *= np.linspace(rng.uniform(0.3, 1), rng.uniform(0.3, 1), n)
    return np.clip(x, -1, 1).astype(np.float32)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="folder; clips go to OUT/background/")
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--sample-rate", type=int, default=8000)
    ap.add_argument("--seed", type=int, default=1234)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    out = Path(args.out) / "background"
    out.mkdir(parents=True, exist_ok=True)
    for i in range(args.count):
        sf.write(out / f"bg_{i:04d}.wav", make_clip(rng, args.sample_rate), args.sample_rate,
                 subtype="PCM_16")
    print(f"wrote {args.count} clips to {out}")


if __name__ == "__main__":
    main()
