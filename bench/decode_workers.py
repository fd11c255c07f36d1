"""Decoding for the feature cache: threads (what training uses) against DataLoader processes.

    python -m bench.decode_workers [--files 120] [--seconds 5] [--rounds 2]

Writes FLAC and MP3 files (44.1 kHz stereo noise) under a temporary folder once, then times
log-mel extraction at 8 kHz three ways, taking turns: ``extract_features`` with 1 and with 2
threads, and a ``torch.utils.data.DataLoader`` with 2 worker processes over chunks of 4 files
(the same per-file work). Prints seconds per round.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np


class _Chunks:
    """Map-style dataset: chunk c -> [(index, features or None, error or None)]."""

    def __init__(self, paths: list[str], cfg, per_chunk: int) -> None:  # type: ignore[no-untyped-def]
        self.paths, self.cfg, self.per_chunk = paths, cfg, per_chunk
        self.front = None

    def __len__(self) -> int:
        return (len(self.paths) + self.per_chunk - 1) // self.per_chunk

    def __getitem__(self, c: int) -> list:
        from audioclf.dataset import file_features
        from audioclf.errors import AudioclfError
        from audioclf.features import LogMel

        if self.front is None:
            self.front = LogMel(self.cfg)
        out = []
        for i in range(c * self.per_chunk, min(len(self.paths), (c + 1) * self.per_chunk)):
            try:
                out.append((i, file_features(self.paths[i], self.cfg, self.front), None))
            except AudioclfError as exc:
                out.append((i, None, str(exc)))
        return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=120)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--rounds", type=int, default=2)
    a = ap.parse_args()
    import soundfile as sf
    from torch.utils.data import DataLoader

    from audioclf.config import FeatureConfig
    from audioclf.dataset import extract_features
    from bench.common import machine

    cfg = FeatureConfig.for_sample_rate(8000, n_mels=40)
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i in range(a.files):
            p = Path(tmp) / f"c{i}.{'mp3' if i % 2 else 'flac'}"
            sf.write(p, (0.1 * rng.standard_normal((int(44100 * a.seconds), 2))).astype(np.float32),
                     44100)
            paths.append(str(p))
        list(extract_features(paths[:4], cfg, workers=1))  # warm-up: imports, resampler
        print(f"{a.files} files of {a.seconds:g} s, 44.1 kHz stereo FLAC/MP3 -> 8 kHz log-mel "
              f"[{machine()}]")
        for r in range(1, a.rounds + 1):
            times = {}
            for w in (1, 2):
                t0 = time.perf_counter()
                list(extract_features(paths, cfg, workers=w))
                times[f"{w} thread{'s' if w > 1 else ''}"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            n = sum(len(c) for c in DataLoader(_Chunks(paths, cfg, 4), batch_size=None,
                                               num_workers=2, prefetch_factor=4))
            assert n == len(paths)
            times["DataLoader, 2 processes"] = time.perf_counter() - t0
            print(f"round {r}: " + ", ".join(f"{k} {v:.2f} s" for k, v in times.items()),
                  flush=True)


if __name__ == "__main__":
    main()
