#!/usr/bin/env bash
# Set up (first time) and run the whole test suite, headless.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3.11}

# System packages the tests need: a TrueType CJK font (PDFs and screenshots),
# poppler-utils (pdftotext/pdftoppm), and the libraries Qt loads.
need=()
fc-list 2>/dev/null | grep -qi "wqy" || need+=(fonts-wqy-microhei)
command -v pdftotext >/dev/null || need+=(poppler-utils)
ldconfig -p 2>/dev/null | grep -q libEGL.so.1 || need+=(libegl1)
ldconfig -p 2>/dev/null | grep -q libxkbcommon.so.0 || need+=(libxkbcommon0)
ldconfig -p 2>/dev/null | grep -q libfontconfig.so.1 || need+=(libfontconfig1)
ldconfig -p 2>/dev/null | grep -q libGL.so.1 || need+=(libgl1)
ldconfig -p 2>/dev/null | grep -q libdbus-1.so.3 || need+=(libdbus-1-3)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
if ! cmp -s pyproject.toml .venv/.installed-pyproject 2>/dev/null; then
  .venv/bin/pip install -q --disable-pip-version-check -e '.[test]'
  cp pyproject.toml .venv/.installed-pyproject
fi

export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest "$@"
