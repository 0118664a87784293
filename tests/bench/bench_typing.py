"""Benchmark: search as you type and scrolling, on a 100k-person township.

    python -m tests.bench.bench_typing [--households 33000] [--db PATH] [--people 8]

Builds the demo township (or uses --db), then, for the 人员档案 tab (100k
persons) and the 低保 roster tab (`DibaoTab` over `RosterSource`), types
the pinyin initials and a 6-digit ID fragment of a few persons one key at a
time into the tab's search box. Per keystroke it measures, from the text
change:

- query + model reset: `ListTab.refresh()` up to the model's modelReset
  (the count and first page in SQL, then the model swap);
- whole refresh: the above plus the status line's summary query;
- repaint: the table's viewport painted with the new rows.

The tab's 120 ms debounce timer is bypassed: after each key the handler
the timer would call (`ListTab._search_typed`) runs at once, so the figures
are the worst case of a clerk typing slowly. A first key that is a single
letter or digit runs no query (the tab waits for the next key): such keys
are counted, not timed. p50 / p95 are compared with a 16.7 ms frame.

Then the search is cleared and the whole table is scrolled to the end as a
view does it (scroll bar to the bottom, which fetches the next page),
timing every step, and scrollToBottom(); then again sorted by a column
with no index (descending), where each page is a sort of the whole list.
Without a display, QT_QPA_PLATFORM=offscreen is used.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

FRAME_MS = 1000 / 60


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def _line(label: str, values: list[float]) -> str:
    p50, p95 = _pct(values, 0.5), _pct(values, 0.95)
    verdict = "within" if p95 <= FRAME_MS else "OVER"
    return (f"  {label:22s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  max {max(values):7.1f} ms"
            f"  ({verdict} a {FRAME_MS:.1f} ms frame at p95)")


class _SourceClock:
    """Times the calls a tab makes to its ListSource (count / rows / summary)."""

    def __init__(self, source):
        self.spent: dict[str, float] = {}
        self._source = source
        for name in ("count", "rows", "summary"):
            setattr(self, name, self._wrap(name, getattr(source, name)))
        self.__dict__.update({k: v for k, v in vars(source).items() if k not in self.spent})
        self.columns = source.columns

    def __getattr__(self, name):  # anything else the tab asks of its source
        return getattr(self._source, name)

    def _wrap(self, name, method):
        self.spent[name] = 0.0

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self.spent[name] += (time.perf_counter() - start) * 1000
        return timed

    def take(self) -> dict[str, float]:
        spent = dict(self.spent)
        self.spent = dict.fromkeys(spent, 0.0)
        return spent


def _type(app, tab, text: str, out: dict[str, list[float]]) -> None:
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent
    marks: dict[str, float] = {}
    on_change = lambda _t: marks.__setitem__("changed", time.perf_counter())  # noqa: E731
    on_reset = lambda: marks.__setitem__("reset", time.perf_counter())  # noqa: E731
    tab.search.textChanged.connect(on_change)
    tab.model.modelReset.connect(on_reset)
    try:
        tab.search.clear()
        tab._search_timer.stop()
        tab.refresh()
        app.processEvents()
        tab.source.take()
        for char in text:
            marks.clear()
            key = Qt.Key(ord(char.upper())) if char.isalnum() else Qt.Key.Key_unknown
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                app.sendEvent(tab.search, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, char))
            tab._search_timer.stop()  # no debounce: what the timer would do, on this very key
            tab._search_typed()
            done = time.perf_counter()
            if "reset" not in marks:  # one letter: the tab waits for the next key
                out["_waited"].append(1.0)
                tab.source.take()
                continue
            tab.table.viewport().repaint()
            painted = time.perf_counter()
            out["query + model reset"].append((marks["reset"] - marks["changed"]) * 1000)
            out["whole refresh"].append((done - marks["changed"]) * 1000)
            out["repaint"].append((painted - done) * 1000)
            out["key to painted"].append((painted - marks["changed"]) * 1000)
            spent = tab.source.take()
            for name in ("count", "rows", "summary"):
                out[f"  of which source.{name}"].append(spent[name])
            out["_slow"].append(((painted - marks["changed"]) * 1000, tab.search.text(), spent))
    finally:
        tab.search.textChanged.disconnect(on_change)
        tab.model.modelReset.disconnect(on_reset)


def _scroll(app, tab, sort_key: str | None = None) -> None:
    from PySide6.QtCore import Qt
    tab.search.clear()
    tab._search_timer.stop()
    tab.refresh()
    if sort_key:
        column = [c.key for c in tab.model.columns].index(sort_key)
        tab.table.sortByColumn(column, Qt.SortOrder.DescendingOrder)
        print(f" sorted by {sort_key} (descending), then scrolled:")
    else:
        print(" in the list's own order, scrolled:")
    app.processEvents()
    bar = tab.table.verticalScrollBar()
    tab.source.take()
    steps, in_rows = [], []
    start = time.perf_counter()
    while tab.model.canFetchMore():
        t = time.perf_counter()
        bar.setValue(bar.maximum())  # the view fetches the next page at the bottom
        app.processEvents()
        steps.append((time.perf_counter() - t) * 1000)
        in_rows.append(tab.source.take()["rows"])
        if len(steps) > 10_000:
            break
    loaded = time.perf_counter() - start
    t = time.perf_counter()
    tab.table.scrollToBottom()
    app.processEvents()
    bottom = (time.perf_counter() - t) * 1000
    print(f"  scrolled {tab.model.rowCount():,} of {tab.model.total:,} rows in {loaded:.2f} s, "
          f"{len(steps)} pages")
    if steps:
        print(_line("per page step", steps))
        print(_line("  of which source.rows", in_rows))
        tenth = max(1, len(steps) // 10)  # does a page cost more the deeper it is?
        first, last = sorted(steps[:tenth]), sorted(steps[-tenth:])
        print(f"  page step median: first tenth {first[len(first) // 2]:.1f} ms,"
              f" last tenth {last[len(last) // 2]:.1f} ms; slowest {max(steps):.1f} ms")
    print(f"  scrollToBottom with every row loaded: {bottom:.1f} ms")


def _queries(rng: random.Random, tab_kind: str, people: int) -> list[tuple[str, str]]:
    from mzdesk.models import Enrollment, Person
    query = Person.select(Person.initials, Person.id_number).order_by(Person.id)
    if tab_kind == "dibao":
        query = query.join(Enrollment, on=(Enrollment.person == Person.id)).where(
            Enrollment.programme.in_(("dibao_urban", "dibao_rural")))
    rows = list(query.tuples())
    out = []
    for initials, number in rng.sample(rows, min(people, len(rows))):
        out += [("initials", initials), ("id fragment", number[8:14])]
    return out


def _bench_tab(app, label: str, tab, kind: str, people: int, sort_key: str) -> None:
    tab.resize(1200, 640)
    tab.show()
    app.processEvents()
    print(f"\n{label}")
    by_kind: dict[str, dict[str, list[float]]] = {}
    keys = ("query + model reset", "whole refresh", "repaint", "key to painted",
            "  of which source.count", "  of which source.rows", "  of which source.summary",
            "_slow", "_waited")
    for what, text in _queries(random.Random(7), kind, people):
        _type(app, tab, text, by_kind.setdefault(what, {k: [] for k in keys}))
    for what, series in by_kind.items():
        slow = sorted(series.pop("_slow"), key=lambda x: x[0], reverse=True)[:3]
        waited = len(series.pop("_waited"))
        print(f" typing {what} ({len(series['whole refresh'])} keystrokes queried,"
              f" {waited} single first keys waited for the next):")
        for name, values in series.items():
            print(_line(name, values))
        for ms, typed, spent in slow:  # the search text is pinyin or digits: no names
            parts = ", ".join(f"{k} {v:.1f}" for k, v in spent.items())
            print(f"  slow: {ms:6.1f} ms after typing {len(typed)} key(s) ({parts} ms)")
    _scroll(app, tab)
    _scroll(app, tab, sort_key)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=33000)
    parser.add_argument("--db", help="use this database instead of building one")
    parser.add_argument("--people", type=int, default=8, help="persons whose keys are typed")
    args = parser.parse_args()
    if not os.environ.get("DISPLAY") and sys.platform.startswith("linux"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from mzdesk import db as dbmod
    from mzdesk.models import Person
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from ui.app import apply_cjk_font
    apply_cjk_font(app)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.db) if args.db else Path(tmp) / "bench.sqlite3"
        dbmod.open_database(path)
        if not args.db:
            from mzdesk.demo import build_demo
            build_demo(households=args.households)
        print(f"persons: {Person.select().count():,}")
        tabs = []
        try:
            from ui.tabs.persons import PersonsTab
            tabs.append(("人员档案 (PersonsTab over PersonSource)", PersonsTab, "persons", "age"))
        except ImportError:
            print("ui.tabs.persons not found: 人员档案 skipped")
        try:
            from ui.tabs.dibao import DibaoTab
            tabs.append(("低保 (DibaoTab over RosterSource)", DibaoTab, "dibao", "amount"))
        except ImportError:
            print("ui.tabs.dibao not found: 低保 skipped")
        for label, cls, kind, sort_key in tabs:
            tab = cls()
            tab.source = tab.model.source = _SourceClock(tab.source)
            _bench_tab(app, label, tab, kind, args.people, sort_key)
            tab.close()
        dbmod.close_database()


if __name__ == "__main__":
    main()
