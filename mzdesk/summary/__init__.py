"""The half-year / annual summary (issue 6): its figures, their records and
(mzdesk.summary.document) the document printed from them.

    summary_figures(period_from, period_to) -> dict      the issue's JSON, plain types
    write_summary_json(period_from, period_to, path) -> Path
    figure_records(key, period_from, period_to) -> (table, ids)

The keys figure_records understands are listed in mzdesk.summary.records.
"""
from .figures import summary_figures, write_summary_json
from .records import figure_records

__all__ = ["summary_figures", "write_summary_json", "figure_records"]
