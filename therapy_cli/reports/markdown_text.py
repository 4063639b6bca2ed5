"""Free text inside the Markdown files therapy writes (client reports, invoices, supervision packs)."""

from __future__ import annotations

import re


def inline(text) -> str:
    """Raw HTML shown as text (a `<` that could open a tag, an `&` that could start an entity), line breaks
    kept from breaking the line. A plain `&` stays as typed, so the file reads the same in a pager as rendered
    (`Clark & Wells`, not `Clark &amp; Wells`)."""
    text = re.sub(r"&(?=#?[A-Za-z0-9]+;)", "&amp;", str(text)).replace("<", "&lt;")
    return re.sub(r"\s*(\r\n|\r|\n|\u2028|\u2029)\s*", " ", text)
