"""CSV formula injection: a cell a spreadsheet would run as a formula is turned back into text.

A cell starting with = + - @ (or tab / carriage return, which some spreadsheets skip before such a character)
gets a leading apostrophe, as OWASP recommends. Spreadsheets show it as text; the apostrophe is visible in
plain-text readers, the accepted cost.
"""
import csv
import io
from typing import Any, Iterable, List, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)  # every cell quoted: embedded newlines and commas stay put
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return out.getvalue()


def cells(row: Sequence[Any]) -> List[str]:
    return [neutralise(v) for v in row]
