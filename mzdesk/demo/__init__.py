"""The demo township 茶店镇: villages, residents with valid ID numbers, every
programme, two years of payments, the ledgers, and six planted problems for
the data checks. `build_demo()` writes it into an open, empty database."""
from .generator import MSG_NOT_EMPTY, build_demo, generate, generate_rows, insert_rows

__all__ = ["build_demo", "generate", "generate_rows", "insert_rows", "MSG_NOT_EMPTY"]
