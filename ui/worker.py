"""Running long service calls off the UI thread (DESIGN §5).

`Task` runs `work(progress)` on a plain Python thread (the one-worker
executor of Anki's design) and a QTimer in the UI thread polls it: no Qt
object is touched and no Qt signal is emitted from the worker, which keeps
clear of the cross-thread crashes PySide6 has had with Python code run in a
QThread.  `progress(done, total, label)` may be called as often as the work
likes; the UI sees the latest report at each poll.  The result or the
exception comes back as a signal, in the UI thread.

While any task runs, Python's cyclic garbage collector is paused: CPython
3.11 can crash when a collection in the UI thread walks the frames of a
thread that is running (seen here as a segfault under load; cpython issues
101975, 111363).  Reference counting still frees memory meanwhile; cycles are
collected once the last task has ended.

The models use peewee's SQLite database, whose connections are per thread:
the work simply uses the models (a connection to the same file opens on first
use) and the task closes that connection when the work ends.

`TaskProgressDialog` shows a task's progress and re-emits its outcome.
"""
from __future__ import annotations

import gc
import threading
from typing import Any, Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QPushButton, QWidget

Progress = Callable[[int, int, str], None]
Work = Callable[[Progress], Any]

# Milliseconds between two looks at the worker from the UI thread.
POLL_MS = 40


_running = 0  # tasks started and not yet ended (UI thread only)
_gc_was_enabled = True


def _task_started() -> None:
    global _running, _gc_was_enabled
    if _running == 0:
        _gc_was_enabled = gc.isenabled()
        gc.disable()
    _running += 1


def _task_ended() -> None:
    global _running
    _running -= 1
    if _running == 0 and _gc_was_enabled:
        gc.enable()


class Cancelled(Exception):
    """Raised inside the work by `progress()` once the task was cancelled."""


class Task(QObject):
    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)

    def __init__(self, work: Work, parent=None):
        super().__init__(parent)
        self._work = work
        self._cancel_requested = threading.Event()
        self._lock = threading.Lock()
        self._report: tuple[int, int, str] | None = None
        self._outcome: tuple[bool, Any] | None = None
        self._thread: threading.Thread | None = None
        self._ended = False
        self._timer = QTimer(self, interval=POLL_MS)
        self._timer.timeout.connect(self._poll)

    def start(self) -> None:
        _task_started()
        self._thread = threading.Thread(target=self._run, name="mzdesk-task", daemon=True)
        self._thread.start()
        self._timer.start()

    def cancel(self) -> None:
        """Ask the work to stop at its next progress report."""
        self._cancel_requested.set()

    def isRunning(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the work has ended (used when the window closes)."""
        if self._thread is not None:
            self._thread.join(timeout)
            if not self._thread.is_alive() and not self._ended:
                self._ended = True
                _task_ended()
        return not self.isRunning()

    def progress(self, done: int, total: int, label: str = "") -> None:
        if self._cancel_requested.is_set():
            raise Cancelled
        with self._lock:
            self._report = (int(done), int(total), str(label))

    def _run(self) -> None:
        try:
            outcome = (True, self._work(self.progress))
        except BaseException as exc:  # noqa: BLE001 - handed to the UI thread
            outcome = (False, exc)
        finally:
            _close_thread_connection()
        with self._lock:
            self._outcome = outcome

    @Slot()
    def _poll(self) -> None:
        with self._lock:
            report, self._report = self._report, None
            outcome = self._outcome
        if report is not None:
            self.progressed.emit(*report)
        if outcome is not None:
            self._timer.stop()
            self.wait()
            ok, value = outcome
            (self.succeeded if ok else self.failed).emit(value)


def _close_thread_connection() -> None:
    """Close this thread's own connection (peewee keeps one per thread)."""
    from mzdesk.models import database
    try:
        if database.obj is not None:
            database.close()
    except Exception:  # noqa: BLE001 - never hide the work's own outcome
        pass


class TaskProgressDialog(QProgressDialog):
    """A window-modal progress dialog around a Task.

    It stays open until the work has ended, so the clerk never leaves
    half-done work behind.  With `cancellable`, 取消 (or Esc, or closing the
    window) asks the work to stop at its next progress report; the work then
    ends with `Cancelled`, which the service must leave without effect (one
    transaction).  `succeeded` / `failed` are emitted in the UI thread once
    the thread has ended.
    """

    succeeded = Signal(object)
    failed = Signal(object)

    def __init__(self, parent: QWidget | None, title: str, work: Work, *,
                 cancellable: bool = False, label: str = "正在准备……"):
        super().__init__(label, "", 0, 0, parent)
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumDuration(0)
        self.setAutoClose(False)
        self.setAutoReset(False)
        self.setMinimumWidth(420)
        self._cancellable = cancellable
        self._done = False
        self.cancel_button = QPushButton("取消") if cancellable else None
        self.setCancelButton(self.cancel_button)
        self.task = Task(work, self)
        self.task.progressed.connect(self._on_progress)
        self.task.succeeded.connect(self._on_succeeded)
        self.task.failed.connect(self._on_failed)
        self.canceled.connect(self._on_canceled)

    def start(self) -> None:
        self.show()
        self.task.start()

    def is_running(self) -> bool:
        return self.task.isRunning()

    @Slot(int, int, str)
    def _on_progress(self, done: int, total: int, label: str) -> None:
        if self._done or self.wasCanceled():
            return
        if total > 0:
            self.setMaximum(total)
            self.setValue(min(done, total))
        if label:
            self.setLabelText(label)

    @Slot()
    def _on_canceled(self) -> None:
        if self._done:
            return
        self.task.cancel()
        # QProgressDialog hides itself on cancel: stay visible until the work stops.
        self.setLabelText("正在取消……")
        if self.cancel_button is not None:
            self.cancel_button.setEnabled(False)
        self.show()

    def _finish(self) -> None:
        self.task.wait()
        self._done = True
        self.close()

    @Slot(object)
    def _on_succeeded(self, result) -> None:
        self._finish()
        self.succeeded.emit(result)

    @Slot(object)
    def _on_failed(self, error) -> None:
        self._finish()
        self.failed.emit(error)

    def reject(self) -> None:  # Esc
        if self._done:
            super().reject()
        elif self._cancellable:
            self.canceled.emit()

    def closeEvent(self, event) -> None:
        if self._done:
            super().closeEvent(event)
            return
        event.ignore()
        if self._cancellable:
            self.canceled.emit()
