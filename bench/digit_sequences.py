"""Digits said one after another: does the timeline decode to 0-9 in order, per speaker?

    python -m bench.digit_sequences [--model MODEL] [--takes N] [--offsets S [S ...]]

For each FSDD test speaker, take k (k < N, default 1) of 0..9 is joined with 0.5 s of
silence, shifted by each offset (default 0 and 50 ms: other stream alignments), classified as
one file and decoded with the same segmenter as `audioclf listen`. Prints the decoded string
and how many of the ten digits it gets in order (longest common subsequence with
"0123456789"), then the totals: digits in order, missed, and insertions (segments that are
not part of the in-order match).
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
    ap.add_argument("--takes", type=int, default=1, help="takes per speaker (FSDD test has 5)")
    ap.add_argument("--offsets", type=float, nargs="+", default=[0.0, 0.05], metavar="S",
                    help="stream alignments: seconds of silence before the first gap")
    a = ap.parse_args()
    from audioclf.audio import load
    from audioclf.inference import Classifier
    from audioclf.segments import segment_points

    test = need_fsdd() / "test"
    clf = Classifier.from_file(a.model, "cpu")
    rate = clf.fcfg.sample_rate
    streams = right = inserted = 0
    gap = np.zeros(int(0.5 * rate), np.float32)
    for take in range(a.takes):
        for spk in SPEAKERS:
            out = []
            for offset_s in a.offsets:
                parts = [np.zeros(int(offset_s * rate), np.float32), gap]
                for d in range(10):
                    parts += [load(test / str(d) / f"{d}_{spk}_{take}.wav", rate), gap]
                r = clf.classify_array(np.concatenate(parts))
                got = "".join(s.label
                              for s in segment_points(clf.labels, zip(r.times, r.timeline)))
                blocks = difflib.SequenceMatcher(None, got, "0123456789").get_matching_blocks()
                n = sum(b.size for b in blocks)
                streams, right, inserted = streams + 1, right + n, inserted + len(got) - n
                out.append(f"{got} ({n}/10 in order)")
            print(f"{spk:10s} {take}  " + "   ".join(out), flush=True)
    print(f"{streams} streams: {right} of {10 * streams} digits in order, "
          f"{10 * streams - right} missed, {inserted} inserted")


if __name__ == "__main__":
    main()
