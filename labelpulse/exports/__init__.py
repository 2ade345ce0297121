"""Writers that turn any report into a file format: JSON (the report format), CSV, a ZIP of
CSVs and Excel; and the names of the files."""

from labelpulse.exports.bundle import zip_chunks
from labelpulse.exports.names import Question, file_name
from labelpulse.exports.tabular import (
    csv_chunks,
    is_multi_table,
    json_chunks,
    report_csv,
    report_json,
    report_tables,
)
from labelpulse.exports.xlsx import report_xlsx

__all__ = [
    "Question",
    "csv_chunks",
    "file_name",
    "is_multi_table",
    "json_chunks",
    "report_csv",
    "report_json",
    "report_tables",
    "report_xlsx",
    "zip_chunks",
]
