"""Writers that turn any report into a file format: JSON (the report format) and CSV."""

from labelpulse.exports.tabular import report_csv, report_json, report_tables

__all__ = ["report_csv", "report_json", "report_tables"]
