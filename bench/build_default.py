"""Rebuild the shipped default model and its example clips (`make default-model`).

    python -m bench.build_default [--out PATH]

Generates the background class (scripts/make_background.py) and the synthetic voices
(scripts/make_tts_digits.py: espeak-ng and flite, bench/common.py TTS_PER_DIGIT clips per
digit), trains with exactly bench/common.py DEFAULT_MODEL_ARGS on ../shared/data/fsdd/train +
background + synthetic voices, evaluates on ../shared/data/fsdd/test, and copies two FSDD test
clips to resources/examples/.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys

from bench.common import DEFAULT_MODEL, REPO, ensure_background, ensure_tts, need_fsdd, train_args

EXAMPLES = ["3/3_jackson_0.wav", "7/7_george_0.wav"]  # FSDD test clips, CC BY-SA 4.0
# A longer example, shown first by the app: digits said one after another (FSDD test clips of
# one speaker with 0.4 s of silence between them), so the probabilities over time have a story.
SEQUENCE = ("george", 1, "4159265")
SEQUENCE_NAME = "0_digits_4159265.wav"


def make_sequence(fsdd_test, out) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    from audioclf.audio import load, write_audio

    speaker, index, digits = SEQUENCE
    gap = np.zeros(int(0.4 * 8000), np.float32)
    parts = [gap]
    for d in digits:
        parts += [load(fsdd_test / d / f"{d}_{speaker}_{index}.wav", 8000), gap]
    write_audio(out, np.concatenate(parts), 8000)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(DEFAULT_MODEL))
    a = ap.parse_args()
    from audioclf.cli import main as cli

    fsdd, bg, tts = need_fsdd(), ensure_background(), ensure_tts()
    os.environ["AUDIOCLF_REBUILD_DEFAULT"] = "1"  # allow writing the shipped model
    argv = train_args([str(fsdd / "train"), str(bg), str(tts)], a.out)
    print("audioclf " + " ".join(argv), file=sys.stderr)
    rc = cli(argv)
    if rc:
        return rc
    examples = REPO / "resources" / "examples"
    examples.mkdir(parents=True, exist_ok=True)
    for rel in EXAMPLES:
        shutil.copy(fsdd / "test" / rel, examples / os.path.basename(rel))
    make_sequence(fsdd / "test", examples / SEQUENCE_NAME)
    return cli(["evaluate", "--model", a.out, str(fsdd / "test")])


if __name__ == "__main__":
    sys.exit(main())
