"""The HTML pages' Jinja2 templates (``exports/html/*.html.j2``), read from the package.

One environment for every page: autoescape on, so every value a template is given is escaped
unless it is Markup (a template's own macros, or the package's style, script and data blocks
that a page marks as such); undefined names are errors, not empty text. ``finalize`` escapes
with the standard library's ``html.escape``, so entities are spelled as the pages always spelled
them (``&quot;``, ``&#x27;``): the pages stayed byte for byte the same when they moved from
f-strings to templates (tests/test_html_golden.py).
"""

from __future__ import annotations

from functools import cache
from html import escape
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, Template
from markupsafe import Markup

__all__ = ["Markup", "asset", "template"]


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("qualcode.exports", "html"),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=_escaped,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["thousands"] = lambda number: f"{number:,}"
    return environment


def template(name: str) -> Template:
    return _environment().get_template(name)


def asset(name: str) -> str:
    """A file of ``exports/html/`` (a style sheet, a script) as text."""
    return (resources.files("qualcode.exports") / "html" / name).read_text(encoding="utf-8")


def _escaped(value: Any) -> Markup:
    return value if isinstance(value, Markup) else Markup(escape(str(value)))
