"""The text of a ``fleece config`` file, rewritten value by value.

The open and closed forms of a configuration differ only in the secrets' scalars
(``:encrypt:<text>`` against ``:decrypt:<ciphertext>``). Rather than loading the tree
and dumping it again, which would drop comments, blank lines and quoting, each secret's
scalar is replaced in place in the original text, located through the character spans
PyYAML's composer records. Everything else in the file stays byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

import yaml

from fleece.cli._errors import ConfigError

_STR_TAG = "tag:yaml.org,2002:str"
_LINE_BREAKS = frozenset("\n\r\x85\u2028\u2029")
# PyYAML folds long scalars at this width; a config value must stay on its line.
_NO_FOLDING = 2**31 - 1


@dataclass
class ConfigDocument:
    """A YAML document and the node tree PyYAML composed from it.

    Attributes:
        text: the document's text.
        root: the root node, or None for an empty document.
    """

    text: str
    root: yaml.Node | None

    @classmethod
    def parse(cls, text: str, source: str) -> ConfigDocument:
        """Parse YAML text, or JSON text (which is turned into block YAML).

        Args:
            text: the document.
            source: what the text came from, for error messages (``"stdin"``).

        Raises:
            ConfigError: the text is neither valid JSON nor valid YAML.
        """
        if text.lstrip().startswith("{"):
            try:
                data = json.loads(text)
            except json.JSONDecodeError as error:
                raise ConfigError(
                    f"{source} is not valid JSON: {error.msg} "
                    f"at line {error.lineno} column {error.colno}"
                ) from None
            text = dump_yaml(data)
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as error:
            where = error.problem_mark or error.context_mark
            position = (
                f" at line {where.line + 1} column {where.column + 1}" if where else ""
            )
            problem = error.problem or error.context or "syntax error"
            raise ConfigError(
                f"{source} is not valid YAML: {problem}{position}"
            ) from None
        except yaml.YAMLError as error:
            raise ConfigError(f"{source} is not valid YAML: {error}") from None
        return cls(text, root)

    def data(self) -> Any:
        """Return the document as Python objects (dicts keep the file's key order)."""
        return yaml.safe_load(self.text)

    def with_values(
        self, replacements: Mapping[int, tuple[yaml.ScalarNode, str]]
    ) -> str:
        """Return the text with some string scalars replaced by new values.

        Args:
            replacements: ``id(node)`` → (the scalar node, its new string value).

        Returns:
            The new text: each replaced scalar is written in a form valid wherever it
            stood (quoted when needed); the rest of the text is unchanged.
        """
        pieces = []
        position = 0
        spans = sorted(
            (_span(self.text, node), value) for node, value in replacements.values()
        )
        for (start, end), value in spans:
            pieces.append(self.text[position:start])
            pieces.append(yaml_scalar(value))
            position = end
        pieces.append(self.text[position:])
        return "".join(pieces)


def is_string(node: yaml.Node) -> TypeGuard[yaml.ScalarNode]:
    """Whether ``node`` is a scalar that loads as a Python ``str``."""
    return isinstance(node, yaml.ScalarNode) and node.tag == _STR_TAG


def yaml_scalar(value: str) -> str:
    """Return ``value`` written as one YAML flow scalar, valid in any context.

    Values with line breaks are double-quoted with escapes, so the scalar never spans
    lines and its indentation never matters.
    """
    style = '"' if _LINE_BREAKS & set(value) else None
    dumped: str = yaml.dump(
        [value],
        Dumper=yaml.SafeDumper,
        default_flow_style=True,
        default_style=style,
        allow_unicode=True,
        width=_NO_FOLDING,
    )
    return dumped.rstrip("\n")[1:-1]


def dump_yaml(data: Any) -> str:
    """Return ``data`` as block-style YAML text, keys in their given order."""
    dumped: str = yaml.safe_dump(
        data,
        default_flow_style=False,
        sort_keys=False,
        allow_unicode=True,
        width=_NO_FOLDING,
    )
    return dumped


def _span(text: str, node: yaml.ScalarNode) -> tuple[int, int]:
    start, end = node.start_mark.index, node.end_mark.index
    # The node's span starts with its properties (``&anchor``, ``!tag``), which stay:
    # aliases of the anchor then see the new value.
    while text[start] in "&!":
        while start < end and not text[start].isspace():
            start += 1
        while start < end and text[start].isspace():
            start += 1
    if node.style in ("|", ">"):
        # A block scalar's span runs to the start of the next line; keep its line
        # break and any blank lines after it.
        end = start + len(text[start:end].rstrip())
    return start, end
