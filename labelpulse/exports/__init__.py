"""Writers that turn any report into a file format: JSON (the report format), CSV and Excel."""

from labelpulse.exports.tabular import (
    csv_chunks,
    json_chunks,
    report_csv,
    report_json,
    report_tables,
)
from labelpulse.exports.xlsx import report_xlsx

__all__ = [
    "csv_chunks",
    "json_chunks",
    "report_csv",
    "report_json",
    "report_tables",
    "report_xlsx",
]
