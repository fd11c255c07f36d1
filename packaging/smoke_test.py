"""Start the desktop app offscreen, wait for its model, and check it loaded.

Usage:
    python packaging/smoke_test.py [APP ...] [-- APP-ARGS]

APP defaults to ``python -m audioclf gui`` (a checkout); give ``dist/audioclf/audioclf-gui``
to test a PyInstaller build. The app runs with ``--smoke-test`` (it quits once the model
has loaded, printing ``smoke-test: model loaded: ...``), with Qt's offscreen platform and
throw-away settings and log folders. Without ``--model`` it must load the shipped default
model. Exit status 0 when all is well.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

TIMEOUT_S = 300


def run(app: list[str], extra: list[str]) -> tuple[int, str]:
    with tempfile.TemporaryDirectory(prefix="audioclf-smoke-") as tmp:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", AUDIOCLF_LOG_DIR=tmp,
                   AUDIOCLF_SETTINGS=os.path.join(tmp, "settings.ini"),
                   XDG_RUNTIME_DIR=tmp)
        p = subprocess.run([*app, "--smoke-test", "--no-example", *extra], env=env,
                           capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
        return p.returncode, p.stdout + p.stderr


def main(argv: list[str]) -> int:
    if "--" in argv:
        i = argv.index("--")
        app, extra = argv[:i], argv[i + 1:]
    else:
        app, extra = argv, []
    app = app or [sys.executable, "-m", "audioclf.gui.app"]
    code, out = run(app, extra)
    line = next((s for s in out.splitlines() if s.startswith("smoke-test:")), "")
    print(line or out[-2000:])
    if code != 0 or "model loaded" not in line:
        return 1
    if "--model" not in extra and "default.safetensors" not in line:
        print("not the default model", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
