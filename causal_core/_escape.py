"""Escaping user text (column and node names) for the places it is shown."""

from __future__ import annotations

import html


def plotly_text(text: object) -> str:
    """Escape user text for plotly, which renders a few HTML tags (``<b>``, ``<a>``) in text."""
    return html.escape(str(text), quote=False)
