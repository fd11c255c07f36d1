#!/usr/bin/env bash
# Debian/Ubuntu system libraries audioclf needs. Installs them when run as root; otherwise
# prints the command to run. Usage: scripts/system-deps.sh [--check]
set -u
PKGS=(
  libpulse0 libportaudio2 libsndfile1           # QtMultimedia, sounddevice, (soundfile ships its own)
  pulseaudio pulseaudio-utils                   # virtual microphone for the live tests
  xvfb xauth libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxkbcommon-x11-0
  libxcb-image0 libxcb-render-util0 libxcb-randr0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1
  libgl1 libegl1 libfontconfig1 fonts-dejavu-core libglib2.0-0 libdbus-1-3
  desktop-file-utils appstream                  # validate packaging/*.desktop, *.metainfo.xml
  espeak-ng flite                               # synthetic voices for the default model (scripts/make_tts_digits.py)
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "${1:-}" = "--check" ]; then echo "missing: ${missing[*]}"; exit 1; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "audioclf: not a Debian/Ubuntu system; install the equivalents of: ${missing[*]}" >&2
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "audioclf: missing system packages; run as root:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
