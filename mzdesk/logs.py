"""The error log, with personal data kept out.

Only unexpected failures are logged, as type and traceback.  Long digit runs
(ID and bank account numbers) and Chinese names that might appear in an
exception's text are scrubbed before anything reaches the file.
"""
from __future__ import annotations

import datetime as dt
import re
import traceback
from pathlib import Path

import platformdirs

_LONG_DIGITS = re.compile(r"\d{6,}[\dXx]*")
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]{2,4}")


def log_dir() -> Path:
    return platformdirs.user_log_path("mzdesk", appauthor=False)


def scrub(text: str) -> str:
    """Replace what could be an ID, an account or a name with a placeholder."""
    text = _LONG_DIGITS.sub("<号码>", text)
    return _HAN_RUN.sub("<文字>", text)


def log_exception(exc: BaseException) -> Path:
    """Append a scrubbed traceback to the error log and return its path."""
    path = log_dir() / "mzdesk-errors.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        body = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        with path.open("a", encoding="utf-8") as fh:
            fh.write(f"--- {dt.datetime.now().isoformat(timespec='seconds')}\n{scrub(body)}\n")
    except OSError:
        pass  # logging must never turn one failure into two
    return path
