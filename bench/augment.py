"""Training-side augmentation cost per example (dataset.augment_example), on FSDD clips.

    python -m bench.augment [--clips 600] [--rounds 5]

Each training example goes through augment_example once per epoch, in the training loop's
thread, before its batch's forward pass, so its time adds to every step (32 examples a step in
the default recipe). Prints the best round's microseconds per example at the first epochs'
strength (0.3) and at full strength, and the machine.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from bench.common import machine, need_fsdd, train_args


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=600)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    from audioclf.cli import build_parser, train_configs
    from audioclf.dataset import Augment, augment_example, extract_features, noise_bank, scan_folder

    # the default recipe's front end and window, from its own arguments
    _, cfg, mcfg = train_configs(build_parser().parse_args(train_args(["-"], "-")))
    folder = scan_folder(need_fsdd() / "train")
    feats = [x for _, x, _ in extract_features([p for p, _ in folder.items][: a.clips], cfg)]
    window, bank = round(mcfg.window_s * cfg.frame_rate), noise_bank(cfg)
    print(machine())
    for strength in (0.3, 1.0):
        aug = Augment().scaled(strength)
        best = float("inf")
        for _ in range(a.rounds + 1):  # the first round warms up
            rng = np.random.default_rng(1)
            t = time.perf_counter()
            for x in feats:
                augment_example(x, window, aug, cfg, bank, rng)
            best = min(best, time.perf_counter() - t)
        print(f"strength {strength}: {best / len(feats) * 1e6:.0f} us per example "
              f"({len(feats)} FSDD clips, best of {a.rounds})")


if __name__ == "__main__":
    main()
