"""Reading the OpenAPI document with libyaml's parser, when PyYAML has it.

connexion renders every document as a Jinja2 template and parses the result with
PyYAML's pure-Python safe loader, about ten times slower than libyaml's
``CSafeLoader`` (some 20 ms of every cold start for a small API). A document that
has no template syntax and only refers to itself is parsed here and handed to
connexion as a dict: the same dict connexion would have parsed. Any other document
is left to connexion, which renders it and resolves its relative ``$ref``s against
its folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

#: The fastest safe loader this PyYAML has: libyaml's when it was built with it.
SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TEMPLATE_MARKS = ("{{", "{%", "{#")


def read_specification(path: str) -> dict[str, Any] | None:
    """Parse the OpenAPI document at ``path``, or leave it to connexion.

    Args:
        path: the document's path.

    Returns:
        The parsed document; None when connexion must read it itself: it holds
        Jinja2 syntax, ``$ref``s to other files or URLs, or is not a YAML mapping
        (connexion then reports the problem as it always does).
    """
    contents = Path(path).read_bytes()
    try:
        text = contents.decode()
    except UnicodeDecodeError:
        text = contents.decode("utf-8", "replace")  # as connexion decodes it
    if any(mark in text for mark in _TEMPLATE_MARKS):
        return None
    try:
        document = yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506  # a safe loader
    except yaml.YAMLError:
        return None
    if not isinstance(document, dict) or any(
        not ref.startswith("#") for ref in _refs(document)
    ):
        return None
    return document


def _refs(node: object) -> Iterator[str]:
    """Every ``$ref`` value in a parsed document (non-strings as "" : not local)."""
    pending = [node]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key == "$ref":
                    yield value if isinstance(value, str) else ""
                else:
                    pending.append(value)
        elif isinstance(item, list):
            pending.extend(item)
