"""File dialogs and the About box (kept out of the main window's module)."""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from audioclf import __version__
from audioclf.audio import AUDIO_EXTENSIONS
from audioclf.checkpoint import MODEL_SUFFIX

if TYPE_CHECKING:
    from audioclf.gui.workers import ModelInfo

AUDIO_FILTER = "Audio files ({})".format(" ".join(f"*{e}" for e in sorted(AUDIO_EXTENSIONS)))
LICENCES = [
    ("audioclf", "MIT"), ("PySide6 / Qt", "LGPL-3.0"), ("pyqtgraph", "MIT"),
    ("PyTorch", "BSD-3-Clause"), ("torchaudio", "BSD-2-Clause"), ("NumPy", "BSD-3-Clause"),
    ("soundfile / libsndfile", "BSD-3-Clause / LGPL-2.1"), ("safetensors", "Apache-2.0"),
]
FSDD_CREDIT = ("Free Spoken Digit Dataset (Zohar Jackson and contributors), "
               "CC BY-SA 4.0")


def open_audio(parent: QWidget, start: str = "") -> list[str]:
    files, _ = QFileDialog.getOpenFileNames(parent, "Open audio", start,
                                            f"{AUDIO_FILTER};;All files (*)")
    return files


def open_folder(parent: QWidget, start: str = "") -> str:
    return QFileDialog.getExistingDirectory(parent, "Classify every audio file in", start)


def open_model(parent: QWidget, start: str = "") -> str:
    path, _ = QFileDialog.getOpenFileName(parent, "Open model", start,
                                          f"audioclf models (*{MODEL_SUFFIX});;All files (*)")
    return path


def save_file(parent: QWidget, title: str, name: str, filters: str) -> str:
    path, _ = QFileDialog.getSaveFileName(parent, title, name, filters)
    return path


def _v(pkg: str) -> str:
    try:
        return version(pkg)
    except PackageNotFoundError:
        return "?"


def about_html(model: ModelInfo | None, is_default: bool) -> str:
    import pyqtgraph
    import PySide6

    rows = [f"audioclf {__version__}", f"Python {platform.python_version()}",
            f"Qt {qVersion()}, PySide6 {PySide6.__version__}, pyqtgraph {pyqtgraph.__version__}",
            f"PyTorch {_v('torch')}, torchaudio {_v('torchaudio')}, NumPy {_v('numpy')}"]
    lic = "".join(f"<li>{n}: {lic}</li>" for n, lic in LICENCES)
    if model is None:
        m = "<p>No model loaded.</p>"
    else:
        t = model.training
        data = t.get("dataset") or ", ".join(str(d).rsplit("/", 2)[-2] if "/" in str(d) else str(d)
                                             for d in t.get("data", [])) or "unknown"
        acc = t.get("val_accuracy")
        m = (f"<p><b>Model</b>: {model.name} ({len(model.labels)} classes: "
             f"{', '.join(model.labels)}) on {model.device}<br>trained on: {data}"
             + (f"; validation accuracy {acc:.1%}" if isinstance(acc, float) else "")
             + (f"<br>data licence: {t['licence']}" if "licence" in t else "")
             + (f"<br>default model data: {FSDD_CREDIT}" if is_default else "") + "</p>")
    return (f"<h3>audioclf</h3><p>Listen and tell what it hears: a log-mel + Conv2d-LSTM "
            f"audio classifier you train and run yourself, offline.</p><p>{'<br>'.join(rows)}</p>"
            f"{m}<p><b>Licences</b></p><ul>{lic}</ul>")


def show_about(parent: QWidget, model: ModelInfo | None, is_default: bool) -> None:
    QMessageBox.about(parent, "About audioclf", about_html(model, is_default))
