"""Leave-one-speaker-out with several models per round: each alone, and their average.

    python -m bench.loso --save-models DIR_A [...]          # once per training seed
    python -m bench.loso_ensemble DIR_A DIR_B [...] [--json OUT]

Each DIR holds one model per held-out speaker (SPEAKER.safetensors), as `bench.loso
--save-models` writes them. For every speaker found in all of them, this classifies all of
that speaker's FSDD clips with each model and with the mean of the models' clip
probabilities, and prints the accuracies. A diagnostic: how far averaging models trained with
different seeds would take accuracy on voices never heard, before paying for it at inference.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from bench.common import machine, need_fsdd, test_set
from bench.loso import SPEAKERS, fold_dirs


def main() -> None:
    import tempfile

    from audioclf.checkpoint import load_model
    from audioclf.inference import Classifier

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dirs", nargs="+", help="folders of SPEAKER.safetensors, one per seed")
    ap.add_argument("--json", help="also write the result here")
    a = ap.parse_args()
    speakers = [s for s in SPEAKERS
                if all((Path(d) / f"{s}.safetensors").exists() for d in a.dirs)]
    if not speakers:
        raise SystemExit("no speaker has a model in every folder")
    fsdd = need_fsdd()
    rows = {}
    with tempfile.TemporaryDirectory() as tmpdir:
        for spk in speakers:
            _, test = fold_dirs(fsdd, spk, Path(tmpdir))
            probs, accs, decoded = [], [], {}  # decoded: the clips once per front end
            labels: list[str] = []  # the first model's order; the others' columns follow it
            for d in a.dirs:
                clf = Classifier(load_model(Path(d) / f"{spk}.safetensors", "cpu"), "cpu")
                fcfg = clf.bundle.feature_config
                if fcfg not in decoded:
                    decoded[fcfg] = test_set(fcfg, test)
                feats, y, names = decoded[fcfg]
                labels = labels or clf.labels
                p = clf.probs_of_clips(feats)[:, [clf.labels.index(lab) for lab in labels]]
                truth = np.array([labels.index(n) for n in names])[y]
                probs.append(p)
                accs.append(float((p.argmax(1) == truth).mean()))
            ens = float((np.mean(probs, axis=0).argmax(1) == truth).mean())
            rows[spk] = {"single": accs, "ensemble": ens}
            print(f"{spk:10s} single {' '.join(f'{x * 100:6.2f}%' for x in accs)}   "
                  f"mean of {len(a.dirs)}: {ens * 100:6.2f}%", flush=True)
    single = np.array([r["single"] for r in rows.values()])  # (speakers, models)
    ens = np.array([r["ensemble"] for r in rows.values()])
    summary = {"machine": machine(), "dirs": a.dirs, "per_speaker": rows,
               "single_mean": single.mean(0).tolist(), "single_worst": single.min(0).tolist(),
               "ensemble_mean": float(ens.mean()), "ensemble_worst": float(ens.min())}
    print("each model alone: mean " + ", ".join(f"{m * 100:.2f}%" for m in single.mean(0))
          + "; worst " + ", ".join(f"{m * 100:.2f}%" for m in single.min(0)))
    print(f"probabilities averaged: mean {ens.mean() * 100:.2f}%, worst {ens.min() * 100:.2f}%")
    if a.json:
        Path(a.json).write_text(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
