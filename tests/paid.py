"""Payment rows written straight into the database for tests of what reads them.

The database refuses lines for a batch out of 草稿 (migration 0003), so a
line goes in while its batch is briefly a draft and the batch's state is put
back after: the result is what the payment workflow would have left.
"""
from __future__ import annotations

from mzdesk.models import Batch, BatchLine


def batch(programme, month, *, state="已发放", kind="regular", **fields) -> Batch:
    b = Batch.create(programme=programme, month=month, kind=kind, state="草稿", **fields)
    _set_state(b, state)
    return b


def line(b: Batch, **fields) -> BatchLine:
    state = Batch.get_by_id(b.id).state
    _set_state(b, "草稿")
    try:
        return BatchLine.create(batch=b, **fields)
    finally:
        _set_state(b, state)


def _set_state(b: Batch, state: str) -> None:
    Batch.update(state=state).where(Batch.id == b.id).execute()
    b.state = state
