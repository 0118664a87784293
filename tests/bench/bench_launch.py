"""Benchmark: launch to first paint, mzdesk on a 100k-person database vs. a bare PySide6 window.

    python -m tests.bench.bench_launch [--households 33000] [--runs 9] [--db PATH] [--profile]

Builds the demo township (`build_demo(households=33000)`, about 100k
persons) in a temporary directory once (or uses --db), then starts fresh
processes, alternately (one warm-up run each first):

- minimal: import PySide6, QApplication, an empty QMainWindow, show();
- mzdesk: what the `mzdesk-gui` script runs: import ui.app, then
  `main(["mzdesk-gui", "--db", PATH])` (open the database, build the
  MainWindow, show it).

Each child reports the moment its main window is painted: the window's
first Paint event, then a 0 ms timer, so the whole first paint pass (menu,
tab bar, status line, the current tab) has run. The launch time is that
moment minus the moment the parent started the process (time.monotonic is
system-wide on Linux and Windows). The target is mzdesk ≤ 2× minimal, as the
ratio of the medians and as the median of the ratios of the back-to-back
pairs (steadier on a busy machine).

The 工作台 is built just after the window's first paint, so the mzdesk
child also reports when the 工作台's figures are painted, and its stages
(imports, database, window built, shown). Both children run from cached
bytecode, as an installed program does (see main()). --profile adds the
slowest imports (-X importtime) and cProfiles of MainWindow's constructor and
of the 工作台's construction. Without a display, QT_QPA_PLATFORM=offscreen is
used.
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

# Both children mark the moment a widget is painted the same way: an event
# filter on that widget alone sees its first Paint event, then a 0 ms timer lets
# the whole paint pass (its children included) finish.  (An application-wide
# Python filter would also see every event of every object and make PySide6
# wrap each of them: about 80 ms more for a window with text in it, a cost of
# the probe, not of the program, and it grows with the number of widgets.)
_PROBE = r"""
import json, os, sys, time
MARKS = {}
def mark(key):
    MARKS.setdefault(key, time.monotonic())
def report(**extra):
    print("MARKS " + json.dumps(MARKS), flush=True)
    for kind, payload in extra.items():
        print(kind + " " + json.dumps(payload), flush=True)
    os._exit(0)  # workers may still run: the measurement is over
def on_first_paint(widget, key, then):
    from PySide6.QtCore import QEvent, QObject, QTimer
    class FirstPaint(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint:
                widget.removeEventFilter(self)
                QTimer.singleShot(0, lambda: (mark(key), then()))
            return False
    widget.installEventFilter(FirstPaint(widget))
"""

MINIMAL = _PROBE + r"""
from PySide6.QtWidgets import QApplication, QMainWindow
mark("qt_imported")
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setWindowTitle("minimal")
window.resize(1200, 680)
on_first_paint(window, "painted", report)
window.show()
mark("shown")
app.exec()
"""

# The real start-up path, in the order the mzdesk-gui script runs it: import
# ui.app, then main().  The probe only wraps functions to take marks.
MZDESK = _PROBE + r"""
PROFILE = os.environ.get("BENCH_PROFILE") == "1"
PROFILES = {}
from ui import app as app_module
mark("app_imported")
from mzdesk import db as dbmod
import ui.main_window as mw

def profiled(key, func, *a, **k):
    if not PROFILE:
        return func(*a, **k)
    import cProfile, pstats
    profile = cProfile.Profile()
    try:
        return profile.runcall(func, *a, **k)
    finally:
        rows = []
        for fn, (cc, nc, tt, ct, callers) in pstats.Stats(profile).stats.items():
            where = fn[0].replace(chr(92), "/")
            if ("/ui/" in where or "/mzdesk/" in where) and "site-packages" not in where:
                rows.append((round(ct * 1000, 1), f"{where}:{fn[1]}({fn[2]})"))
        PROFILES[key] = sorted(rows, reverse=True)[:12]

_open = dbmod.open_database
def open_database(*a, **k):
    mark("db_open_start")
    try:
        return _open(*a, **k)
    finally:
        mark("db_opened")
dbmod.open_database = open_database

def finish():
    if "painted" in MARKS and "dashboard_painted" in MARKS:
        report(PROFILE=PROFILES)

_init, _show, _build = mw.MainWindow.__init__, mw.MainWindow.show, mw._TabSlot.build
def init(self, *a, **k):
    mark("window_init_start")
    profiled("MainWindow()", _init, self, *a, **k)
    mark("window_built")
def show(self):
    on_first_paint(self, "painted", finish)
    from PySide6.QtCore import QTimer
    QTimer.singleShot(30_000, report)  # the 工作台 never painted: report what was seen
    _show(self)
    mark("shown")
def build(self):
    fresh = self.page is None
    page = profiled(f"{self.title} page built", _build, self) if fresh else _build(self)
    if fresh and self.title == "工作台":
        mark("dashboard_built")
        on_first_paint(page, "dashboard_painted", finish)
    return page
mw.MainWindow.__init__, mw.MainWindow.show, mw._TabSlot.build = init, show, build
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
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--db", help="use this database instead of building one")
    parser.add_argument("--profile", action="store_true", help="where the start-up time goes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(args.db) if args.db else Path(tmp) / "bench.sqlite3"
        if not args.db:
            build(args.households, db_path)
        env = dict(os.environ, BENCH_DB=str(db_path), BENCH_PROFILE="1" if args.profile else "0",
                   XDG_CONFIG_HOME=str(Path(tmp) / "config"), XDG_DATA_HOME=str(Path(tmp) / "data"),
                   XDG_STATE_HOME=str(Path(tmp) / "state"),
                   PYTHONPYCACHEPREFIX=str(Path(tmp) / "pycache"))
        # An installed program runs from cached bytecode; a sandbox that sets
        # PYTHONDONTWRITEBYTECODE would make mzdesk compile all of its modules at
        # every start (the minimal window imports only precompiled PySide6). The
        # cache goes to the temporary folder, not into the source tree.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY") and sys.platform.startswith("linux"):
            env.setdefault("QT_QPA_PLATFORM", "offscreen")
        print(f"platform plugin: {env.get('QT_QPA_PLATFORM', 'default')}")
        _run(MINIMAL, env), _run(MZDESK, env)  # warm the disk cache and Python's bytecode
        minimal, ours = [], []
        for _ in range(args.runs):  # alternately, so both sides meet the same machine load
            minimal.append(_run(MINIMAL, env))
            ours.append(_run(MZDESK, env))
        a = _summary("minimal PySide6 window painted", minimal, "painted")
        b = _summary("mzdesk main window painted", ours, "painted")
        c = _summary("mzdesk 工作台 figures painted", ours, "dashboard_painted")
        # Each pair ran back to back: the median of their ratios shrugs off a busy machine.
        paired = statistics.median(o["marks"]["painted"] / m["marks"]["painted"]
                                   for m, o in zip(minimal, ours))
        print(f"ratio {b / a:.2f}× of the medians, {paired:.2f}× median of the {args.runs} pairs "
              f"(target ≤ 2×)")
        print(f"the 工作台's figures follow {(c - b) * 1000:.0f} ms later ({c / a:.2f}× the minimal window)")
        print("mzdesk stages (median ms since process start):")
        for key, value in _stages(ours):
            print(f"  {key:20s} {value * 1000:7.1f}")
        if args.profile:
            _profile(env)


def _summary(label: str, runs: list[dict], key: str) -> float:
    values = [r["marks"][key] for r in runs if key in r["marks"]]
    median = statistics.median(values)
    print(f"{label:32s} median {median * 1000:7.1f} ms (min {min(values) * 1000:.1f}, "
          f"max {max(values) * 1000:.1f}, {len(values)} runs)")
    return median


def _profile(env: dict) -> None:
    """Where the start-up time goes: the slowest imports, the window's constructor, the 工作台."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", MZDESK], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    imports = []
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if line.startswith("import time:") and len(parts) == 3 and parts[1].strip().isdigit():
            imports.append((int(parts[1]) / 1000, parts[2].rstrip()))
    print("slowest imports (cumulative ms, one run with -X importtime; nested ones overlap):")
    for ms, name in sorted(imports, reverse=True)[:16]:
        print(f"  {ms:7.1f}  {name}")
    profiles = _run(MZDESK, env).get("PROFILE", {})
    for key, rows in profiles.items():
        print(f"{key} under cProfile (cumulative ms of project functions; profiling slows it):")
        for ms, where in rows:
            print(f"  {ms:7.1f}  {where.split(ROOT.as_posix() + '/')[-1]}")


if __name__ == "__main__":
    main()
