"""Importing the office's existing ledgers (issue 5).

reader: spreadsheet files → Table (header found, merged villages filled,
        blank and total rows skipped and reported); xlsx_parts reads a large
        xlsx sheet in parts, the later ones on a thread, while the rows are used.
cells:  one normaliser per kind of cell value (ID number, money, month, …).
kinds / importer / report / templates: what each KIND holds and how it goes
        into the database through the services.
"""
from .reader import ReadError, SourceRow, Skipped, Table, read_table, sheet_names

__all__ = ["ReadError", "SourceRow", "Skipped", "Table", "read_table", "sheet_names"]
