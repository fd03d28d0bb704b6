"""The one way the app writes a CSV line, safe to open in a spreadsheet.

A cell that starts like a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return) is run by
Excel and LibreOffice, so it gets a leading apostrophe (OWASP "CSV injection"). Danish Excel
splits a comma file on semicolons, ignoring quotes that do not open a field there, so a formula
lead just after either separator inside a cell gets the apostrophe too (``Anders;'=2+5``), and a
cell holding either separator, a quote or a line break is quoted whatever the file's separator.
"""

import re

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
_NEEDS_QUOTES = re.compile(r'[,;"\r\n]')
_LEAD_AFTER_SEPARATOR = re.compile(r"([,;]\s*)(?=[=+\-@\t\r])")
# A plain number, possibly negative, is left as it is: "-12.50" is an amount, not a formula.
_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


def safe_cell(value):
    """``value`` as the text of one cell: ``None`` empty, formula-leading text neutralised."""
    if value is None:
        return ""
    text = str(value)
    if _NUMBER.fullmatch(text):
        return text
    text = _LEAD_AFTER_SEPARATOR.sub(r"\1'", text)
    return "'" + text if text.startswith(FORMULA_LEADS) else text


def quote_cell(text):
    """Quote ``text`` if any spreadsheet could split it or end the line at it."""
    if _NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_line(cells, *, delimiter=",", line_end="\r\n"):
    """One CSV line of ``cells`` (text, numbers or ``None``), each through ``safe_cell``."""
    return delimiter.join(quote_cell(safe_cell(cell)) for cell in cells) + line_end
