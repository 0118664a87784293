"""Work off the UI thread: results, errors, progress and cancelling come back in the UI thread."""
from __future__ import annotations

import threading

from ui.worker import Cancelled, Task


def _run(qtbot, work):
    task = Task(work)
    outcome, reports = [], []
    task.succeeded.connect(lambda value: outcome.append(("ok", value, threading.current_thread())))
    task.failed.connect(lambda exc: outcome.append(("error", exc, threading.current_thread())))
    task.progressed.connect(lambda *args: reports.append(args))
    return task, outcome, reports


def test_result_and_progress_arrive_in_the_ui_thread(qtbot):
    def work(progress):
        for i in range(3):
            progress(i + 1, 3, "步骤")
        return threading.current_thread()

    task, outcome, reports = _run(qtbot, work)
    task.start()
    qtbot.waitUntil(lambda: bool(outcome), timeout=5000)
    kind, worker_thread, delivered_in = outcome[0]
    assert kind == "ok" and worker_thread is not threading.main_thread()
    assert delivered_in is threading.main_thread()
    assert reports[-1] == (3, 3, "步骤")
    assert not task.isRunning()


def test_errors_and_cancel_come_back_as_failures(qtbot):
    task, outcome, _ = _run(qtbot, lambda progress: 1 / 0)
    task.start()
    qtbot.waitUntil(lambda: bool(outcome), timeout=5000)
    assert outcome[0][0] == "error" and isinstance(outcome[0][1], ZeroDivisionError)

    started = threading.Event()

    def slow(progress):
        started.set()
        while True:
            progress(0, 0, "")

    task, outcome, _ = _run(qtbot, slow)
    task.start()
    started.wait(5)
    task.cancel()
    qtbot.waitUntil(lambda: bool(outcome), timeout=5000)
    assert isinstance(outcome[0][1], Cancelled)


def test_garbage_collector_paused_only_while_work_runs(qtbot):
    import gc
    release = threading.Event()
    task, outcome, _ = _run(qtbot, lambda progress: release.wait(5))
    assert gc.isenabled()
    task.start()
    assert not gc.isenabled()
    release.set()
    qtbot.waitUntil(lambda: bool(outcome), timeout=5000)
    assert gc.isenabled()
