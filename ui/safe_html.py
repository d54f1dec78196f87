"""HTML the app embeds, kept away from the app's origin.

``st.iframe`` (like ``components.html``) embeds HTML with ``allow-scripts allow-same-origin``:
a script in it could read the app's cookies and drive its page. :func:`sandboxed` wraps a
document in an inner frame whose sandbox allows scripts but NOT same-origin, so the document
runs in an opaque origin of its own. :func:`script_frame` is the opposite, for the app's own
fixed scripts only (no user text in them).
"""

from __future__ import annotations

import html

__all__ = ["sandboxed", "SANDBOX"]

#: The inner frame's sandbox: scripts (plotly) and popups for links; never allow-same-origin.
SANDBOX = "allow-scripts allow-popups allow-popups-to-escape-sandbox"


def sandboxed(document: str) -> str:
    """An HTML page holding ``document`` in a frame sandboxed without same-origin.

    Examples
    --------
    >>> page = sandboxed("<p>x</p>")
    >>> 'sandbox="allow-scripts' in page and "allow-same-origin" not in page
    True
    """
    return ('<!doctype html><html><head><meta charset="utf-8"><style>html,body{margin:0;'
            'height:100%}iframe{border:0;width:100%;height:100%}</style></head><body>'
            f'<iframe sandbox="{SANDBOX}" srcdoc="{html.escape(document, quote=True)}">'
            "</iframe></body></html>")
