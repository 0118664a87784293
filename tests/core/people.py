"""Valid ID numbers and names for building test data."""
from __future__ import annotations

import datetime as dt
import itertools

from mzdesk import idcard

_seq = itertools.count(1)


def new_id(birth: dt.date = dt.date(1970, 5, 17), sex: str = "男") -> str:
    """A fresh valid ID number; odd sequence numbers are male."""
    while True:
        n = next(_seq) % 1000
        if (n % 2 == 1) == (sex == "男"):
            return idcard.make("510112", birth, n)
