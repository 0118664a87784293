"""Benchmark: launch to first paint, mzdesk on a 100k-person database vs. a bare PySide6 window.

    python -m tests.bench.bench_launch [--households 33000] [--runs 7] [--db PATH] [--profile]

Builds the demo township (`build_demo(households=33000)`, about 100k
persons, ~15 s) in a temporary directory once (or uses --db), then starts
fresh processes, alternately:

- minimal: import PySide6, QApplication, an empty QMainWindow, show();
- mzdesk: `ui.app.main(["mzdesk-gui", "--db", PATH])`, the real start-up
  path (open the database, MainWindow with its 工作台, show()).

Each child reports the moment the window is painted: the first Paint event
of a widget of the main window, then a 0 ms timer, so the whole first paint
pass has run. The launch time is that moment minus the moment the parent
started the process (time.monotonic is system-wide on Linux and Windows).
The target is mzdesk ≤ 2× minimal. The mzdesk child also reports its stages
(imports, database, window built, shown); --profile adds the slowest imports
(-X importtime) and a cProfile of MainWindow's constructor.
Without a display, QT_QPA_PLATFORM=offscreen is used.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_PAINT_PROBE = r"""
import json, os, sys, time
MARKS = {}
def mark(key):
    MARKS.setdefault(key, time.monotonic())
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
mark("qt_imported")

class FirstPaint(QObject):
    seen = False
    def eventFilter(self, obj, event):
        if (not self.seen and event.type() == QEvent.Type.Paint and obj.isWidgetType()
                and isinstance(obj.window(), QMainWindow)):
            self.seen = True
            mark("first_paint_event")
            QTimer.singleShot(0, self.done)
        return False
    def done(self):
        mark("painted")
        print("MARKS " + json.dumps(MARKS), flush=True)
        os._exit(0)  # workers may still run: the measurement is over

app = QApplication.instance() or QApplication(sys.argv[:1])
probe = FirstPaint()
app.installEventFilter(probe)
mark("app_created")
"""

MINIMAL = _PAINT_PROBE + r"""
window = QMainWindow()
window.setWindowTitle("minimal")
window.resize(1200, 680)
window.show()
mark("shown")
app.exec()
"""

MZDESK = _PAINT_PROBE + r"""
PROFILE = os.environ.get("BENCH_PROFILE") == "1"
from mzdesk import db as dbmod
_open = dbmod.open_database
def open_database(*a, **k):
    mark("db_open_start")
    try:
        return _open(*a, **k)
    finally:
        mark("db_opened")
dbmod.open_database = open_database
import ui.main_window as mw
mark("ui_imported")
_init, _show = mw.MainWindow.__init__, mw.MainWindow.show
def init(self, *a, **k):
    mark("window_init_start")
    if PROFILE:
        import cProfile, pstats
        profile = cProfile.Profile()
        profile.runcall(_init, self, *a, **k)
        stats = pstats.Stats(profile)
        rows = [(ct, f"{fn[0].replace(chr(92), '/')}:{fn[1]}({fn[2]})")
                for fn, (cc, nc, tt, ct, callers) in stats.stats.items()
                if ("/ui/" in fn[0].replace(chr(92), "/") or "/mzdesk/" in fn[0].replace(chr(92), "/"))
                and "site-packages" not in fn[0]]
        rows.sort(reverse=True)
        PROFILE_ROWS.extend((round(ct * 1000, 1), where) for ct, where in rows[:14])
    else:
        _init(self, *a, **k)
    mark("window_built")
def show(self):
    _show(self)
    mark("shown")
mw.MainWindow.__init__, mw.MainWindow.show = init, show
PROFILE_ROWS = []
_done = FirstPaint.done
def done(self):
    if PROFILE:
        print("PROFILE " + json.dumps(PROFILE_ROWS), flush=True)
    _done(self)
FirstPaint.done = done
from ui import app as app_module
app_module.main(["mzdesk-gui", "--db", os.environ["BENCH_DB"]])
"""


def _run(code: str, env: dict) -> dict:
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    out = {}
    for line in proc.stdout.splitlines():
        kind, _, payload = line.partition(" ")
        if kind in ("MARKS", "PROFILE"):
            out[kind] = json.loads(payload)
    if "MARKS" not in out:
        raise RuntimeError(f"child did not report a paint (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    out["marks"] = {k: v - start for k, v in out.pop("MARKS").items()}
    return out


def _stages(runs: list[dict]) -> list[tuple[str, float]]:
    keys = [k for k in runs[0]["marks"]]
    return sorted(((k, statistics.median(r["marks"][k] for r in runs if k in r["marks"])) for k in keys),
                  key=lambda kv: kv[1])


def build(households: int, path: Path) -> None:
    from mzdesk import db as dbmod
    from mzdesk.demo import build_demo
    start = time.perf_counter()
    dbmod.open_database(path)
    info = build_demo(households=households)
    dbmod.close_database()
    print(f"demo: {info['persons']:,} persons, {info['batch_lines']:,} payment lines, "
          f"built in {time.perf_counter() - start:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=33000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--db", help="use this database instead of building one")
    parser.add_argument("--profile", action="store_true", help="list the slowest start-up queries")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(args.db) if args.db else Path(tmp) / "bench.sqlite3"
        if not args.db:
            build(args.households, db_path)
        env = dict(os.environ, BENCH_DB=str(db_path), BENCH_PROFILE="1" if args.profile else "0",
                   XDG_CONFIG_HOME=str(Path(tmp) / "config"), XDG_DATA_HOME=str(Path(tmp) / "data"),
                   XDG_STATE_HOME=str(Path(tmp) / "state"))
        if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY") and sys.platform.startswith("linux"):
            env.setdefault("QT_QPA_PLATFORM", "offscreen")
        print(f"platform plugin: {env.get('QT_QPA_PLATFORM', 'default')}")
        _run(MINIMAL, env), _run(MZDESK, env)  # warm the disk cache and Python's bytecode
        minimal, ours = [], []
        for _ in range(args.runs):
            minimal.append(_run(MINIMAL, env))
            ours.append(_run(MZDESK, env))
        a = statistics.median(r["marks"]["painted"] for r in minimal)
        b = statistics.median(r["marks"]["painted"] for r in ours)
        print(f"minimal PySide6 window painted: median {a * 1000:7.1f} ms "
              f"(min {min(r['marks']['painted'] for r in minimal) * 1000:.1f}, {args.runs} runs)")
        print(f"mzdesk main window painted:     median {b * 1000:7.1f} ms "
              f"(min {min(r['marks']['painted'] for r in ours) * 1000:.1f}, {args.runs} runs)")
        print(f"ratio {b / a:.2f}×  (target ≤ 2×)")
        print("mzdesk stages (median ms since process start):")
        for key, value in _stages(ours):
            print(f"  {key:20s} {value * 1000:7.1f}")
        if args.profile:
            _profile(env)


def _profile(env: dict) -> None:
    """Where the start-up time goes: the slowest imports and MainWindow's constructor."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", MZDESK], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    imports = []
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if line.startswith("import time:") and len(parts) == 3 and parts[1].strip().isdigit():
            imports.append((int(parts[1]) / 1000, parts[2].rstrip()))
    print("slowest imports (cumulative ms, one run with -X importtime; nested ones overlap):")
    for ms, name in sorted(imports, reverse=True)[:12]:
        print(f"  {ms:7.1f}  {name.strip()}")
    rows = _run(MZDESK, env).get("PROFILE", [])
    print("MainWindow() under cProfile (cumulative ms of project functions; profiling slows it):")
    for ms, where in rows:
        print(f"  {ms:7.1f}  {where.split(ROOT.as_posix() + '/')[-1]}")


if __name__ == "__main__":
    main()
