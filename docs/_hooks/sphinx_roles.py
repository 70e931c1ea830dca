"""mkdocs hook: render the Sphinx cross-reference roles of the docstrings as plain code.

The code's docstrings write ``:class:`~pkg.Name``` (Sphinx style); mkdocstrings shows such a
role as ``:class:<code>~pkg.Name</code>``. This hook drops the role and, as Sphinx does for
a ``~`` target, keeps only the last dotted part of the name.
"""

from __future__ import annotations

import re
from typing import Any

ROLE = re.compile(
    r":(?:py:)?(?:class|func|meth|attr|data|mod|exc|obj|const):<code>(~?)([^<]*)</code>"
)


def _plain(match: re.Match[str]) -> str:
    tilde, target = match.groups()
    return f"<code>{target.rsplit('.', 1)[-1] if tilde else target}</code>"


def on_page_content(html: str, **kwargs: Any) -> str:
    """Rewrite the roles of one rendered page."""
    return ROLE.sub(_plain, html)
