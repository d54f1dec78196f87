"""Escaping user text (column and node names) for the places it is shown."""

from __future__ import annotations

import html
import re
from typing import Any

#: Invisible characters that reorder or hide text: bidirectional embeddings, overrides and
#: isolates, the directional marks, zero-width characters, the word joiner and the BOM.
_INVISIBLE = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def show_controls(text: object) -> str:
    """User text with every invisible direction or zero-width character shown as ``⟨U+XXXX⟩``,
    so a right-to-left override cannot reverse how a name reads.

    Examples
    --------
    >>> show_controls("cost\u202eevil")
    'cost⟨U+202E⟩evil'
    """
    return _INVISIBLE.sub(lambda m: f"⟨U+{ord(m.group()):04X}⟩", str(text))


def plotly_text(text: object) -> str:
    """Escape user text for plotly, which renders a few HTML tags (``<b>``, ``<a href>``) in
    titles, labels and hover text; direction controls are shown visibly.

    Examples
    --------
    >>> plotly_text('<a href="javascript:alert(1)">x</a>')
    '&lt;a href="javascript:alert(1)"&gt;x&lt;/a&gt;'
    """
    return html.escape(show_controls(text), quote=False)


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


def csv_frame(df: Any) -> Any:
    """A copy of a DataFrame whose text cells and column names are :func:`csv_cell`-safe
    (numbers are left as they are: a spreadsheet reads ``-1.5`` as a number, not a formula).

    Examples
    --------
    >>> import pandas as pd
    >>> csv_frame(pd.DataFrame({"=x": ["@SUM(A1)", "ok"], "n": [-1.5, 2.0]})).to_csv(index=False)
    "'=x,n\\n'@SUM(A1),-1.5\\nok,2.0\\n"
    """
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or str(out[col].dtype) in ("category", "string"):
            out[col] = out[col].astype(object).map(lambda v: csv_cell(v) if isinstance(v, str) else v)
    out.columns = [csv_cell(c) for c in out.columns]
    return out
