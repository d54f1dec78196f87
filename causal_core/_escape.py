"""Escaping user text (column and node names) for the places it is shown."""

from __future__ import annotations

import html


def plotly_text(text: object) -> str:
    """Escape user text for plotly, which renders a few HTML tags (``<b>``, ``<a>``) in text."""
    return html.escape(str(text), quote=False)


#: First characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_cell(text: object) -> str:
    """A text cell that a spreadsheet will not run: a leading ``'`` before ``= + - @`` (and
    tab, carriage return, their full-width forms), which Excel, LibreOffice and Sheets show
    as text.

    Examples
    --------
    >>> csv_cell("=HYPERLINK(\\"http://x\\")"), csv_cell("{age, sex}")
    ('\\'=HYPERLINK("http://x")', '{age, sex}')
    """
    text = str(text)
    return "'" + text if text.startswith(_FORMULA_START) else text
