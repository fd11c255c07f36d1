"""packaging/: the .desktop entry, AppStream metadata, icons, PyInstaller spec, and a smoke
test that starts the app offscreen and checks it loads the (default) model."""

from __future__ import annotations

import configparser
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PKG = ROOT / "packaging"
ICONS = ROOT / "resources" / "icons"
APP_ID = "io.github.audioclf.Audioclf"
DESKTOP = PKG / f"{APP_ID}.desktop"
METAINFO = PKG / f"{APP_ID}.metainfo.xml"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256)


def gui_scripts() -> set[str]:
    import tomllib

    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return set(data["project"]["gui-scripts"])


def test_desktop_file_validates() -> None:
    tool = shutil.which("desktop-file-validate")
    if tool is not None:  # Debian's desktop-file-utils (scripts/system-deps.sh)
        p = subprocess.run([tool, str(DESKTOP)], capture_output=True, text=True, check=False)
        assert p.returncode == 0 and "error" not in p.stdout + p.stderr, p.stdout + p.stderr
    # and a parser check of what the spec requires and what this project needs
    cp = configparser.ConfigParser(interpolation=None, strict=True)
    cp.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    cp.read(DESKTOP, encoding="utf-8")
    e = cp["Desktop Entry"]
    assert e["Type"] == "Application" and e["Name"] and e["Icon"] == APP_ID
    exe = e["Exec"].split()[0]
    assert exe in gui_scripts() and e["TryExec"] == exe
    assert e["Categories"].endswith(";") and "AudioVideo" in e["Categories"]


def test_metainfo_parses_and_names_the_app() -> None:
    root = ET.parse(METAINFO).getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == DESKTOP.name
    assert root.findtext("project_license") == "MIT"
    assert set(gui_scripts()) <= {b.text for b in root.iter("binary")}
    tool = shutil.which("appstreamcli")
    if tool is not None:
        p = subprocess.run([tool, "validate", "--no-net", str(METAINFO)], capture_output=True,
                           text=True, check=False)
        assert p.returncode == 0, p.stdout + p.stderr


def test_icons_svg_and_png_sizes() -> None:
    svg = ET.parse(ICONS / "audioclf.svg").getroot()
    assert svg.tag.endswith("svg") and svg.get("viewBox") == "0 0 256 256"
    for size in PNG_SIZES:
        data = (ICONS / f"audioclf-{size}.png").read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
        assert struct.unpack(">II", data[16:24]) == (size, size)


def test_pyinstaller_spec_is_python_and_points_at_real_files() -> None:
    spec = (PKG / "audioclf.spec").read_text()
    compile(spec, "audioclf.spec", "exec")
    for name in ("audioclf_gui.py", "audioclf_cli.py"):
        assert name in spec and (PKG / name).is_file()
    assert 'name="audioclf-gui"' in spec and "audioclf-256.png" in spec
    assert "audioclf.gui.app import main" in (PKG / "audioclf_gui.py").read_text()


def test_app_starts_offscreen_and_loads_the_model(tiny_model) -> None:
    """The smoke test of packaging/smoke_test.py, on the checkout's app.

    With the shipped default model present it must load that one; until the lead has
    trained it, the tiny test model stands in (--model)."""
    from audioclf.checkpoint import default_model_path

    extra = [] if default_model_path().is_file() else ["--", "--model", str(tiny_model)]
    p = subprocess.run([sys.executable, str(PKG / "smoke_test.py"), *extra],
                       capture_output=True, text=True, timeout=400, check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.startswith("smoke-test: model loaded:")
    if not extra:
        assert "default.safetensors" in p.stdout


@pytest.mark.parametrize("argv", [["--version"], ["export", "--help"], ["detect", "--help"]])
def test_conventions_python_m_and_version(argv: list[str]) -> None:
    p = subprocess.run([sys.executable, "-m", "audioclf", *argv], capture_output=True,
                       text=True, timeout=120, check=False)
    assert p.returncode == 0 and p.stdout.strip(), p.stderr
    if argv == ["--version"]:
        from audioclf import __version__

        assert p.stdout.strip() == f"audioclf {__version__}"
