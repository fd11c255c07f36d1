"""Digits said one after another: does the timeline decode to 0-9 in order, per speaker?

    python -m bench.digit_sequences [--model MODEL]

For each FSDD test speaker, the first take of 0..9 is joined with 0.5 s of silence (and once
more shifted by 50 ms, another stream alignment), classified as one file and decoded with the
same segmenter as `audioclf listen`. Prints the decoded string and how many of the ten digits
it gets in order (longest common subsequence with "0123456789").
"""

from __future__ import annotations

import argparse
import difflib

import numpy as np

from bench.common import need_fsdd
from bench.loso import SPEAKERS


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None, help="model file (default: the shipped model)")
    a = ap.parse_args()
    from audioclf.audio import load
    from audioclf.inference import Classifier
    from audioclf.segments import segment_points

    test = need_fsdd() / "test"
    clf = Classifier.from_file(a.model, "cpu")
    rate = clf.fcfg.sample_rate
    for spk in SPEAKERS:
        out = []
        for offset_s in (0.0, 0.05):
            gap = np.zeros(int(0.5 * rate), np.float32)
            parts = [np.zeros(int(offset_s * rate), np.float32), gap]
            for d in range(10):
                parts += [load(test / str(d) / f"{d}_{spk}_0.wav", rate), gap]
            r = clf.classify_array(np.concatenate(parts))
            got = "".join(s.label for s in segment_points(clf.labels, zip(r.times, r.timeline)))
            blocks = difflib.SequenceMatcher(None, got, "0123456789").get_matching_blocks()
            out.append(f"{got} ({sum(b.size for b in blocks)}/10 in order)")
        print(f"{spk:10s} " + "   ".join(out), flush=True)


if __name__ == "__main__":
    main()
