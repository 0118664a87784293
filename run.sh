#!/usr/bin/env bash
# Set up (first time) and start 民政桌面 on its default database.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3.11}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
# Reinstall only when the pinned dependencies changed.
if ! cmp -s pyproject.toml .venv/.installed-pyproject 2>/dev/null; then
  .venv/bin/pip install -q --disable-pip-version-check -e '.[test]'
  cp pyproject.toml .venv/.installed-pyproject
fi
exec .venv/bin/mzdesk-gui "$@"
