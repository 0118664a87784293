"""mzdesk/ is the domain: it must import and work without Qt."""
from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import mzdesk

ROOT = Path(mzdesk.__file__).resolve().parent.parent

# Run in a fresh interpreter so that Qt already imported by pytest-qt does not hide an import.
_PROBE = r"""
import importlib, pkgutil, sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('PySide6', 'PyQt5', 'PyQt6', 'shiboken6'):
            raise ImportError('Qt is blocked in mzdesk/: ' + name)
sys.meta_path.insert(0, Block())
import mzdesk
names = [m.name for m in pkgutil.walk_packages(mzdesk.__path__, 'mzdesk.')]
for name in names:
    importlib.import_module(name)
print(len(names))
"""


def test_every_domain_module_imports_with_qt_blocked():
    result = subprocess.run([sys.executable, "-c", _PROBE], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    count = int(result.stdout.strip())
    expected = [m.name for m in pkgutil.walk_packages(mzdesk.__path__, "mzdesk.")]
    assert count == len(expected) >= 10


def test_no_qt_import_statement_in_domain_sources():
    offenders = [str(p) for p in (ROOT / "mzdesk").rglob("*.py")
                 if any(line.lstrip().startswith(("import PySide6", "from PySide6"))
                        for line in p.read_text("utf-8").splitlines())]
    assert offenders == []
