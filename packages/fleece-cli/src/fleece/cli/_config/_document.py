"""The text of a ``fleece config`` file, rewritten value by value.

The open and closed forms of a configuration differ only in the secrets' scalars
(``:encrypt:<text>`` against ``:decrypt:<ciphertext>``). Rather than loading the tree
and dumping it again, which would drop comments, blank lines and quoting, each secret's
scalar is replaced in place in the original text, located through the character spans
PyYAML's composer records. Everything else in the file stays byte for byte.

Every YAML file fleece reads (``config.yml``, ``environments.yml``) goes through
`compose_yaml` or `load_yaml`, which bound what a hostile file can cost: nesting at
most `MAX_YAML_DEPTH` levels, and aliases adding at most `MAX_ALIAS_EXPANSION` nodes
to the document ("billion laughs" would otherwise take minutes and gigabytes).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

import yaml

from fleece.cli._errors import ConfigError

#: The deepest nesting of mappings and sequences a YAML file may have, aliases
#: expanded (deeper would exhaust Python's recursion limit).
MAX_YAML_DEPTH = 100
#: How many nodes the aliases of a YAML file may add to it, each alias counted as a
#: copy of its anchor's node.
MAX_ALIAS_EXPANSION = 10_000

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
            root = compose_yaml(text, source)
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
        return load_yaml(self.text, "the configuration")

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


class _ConfigDumper(yaml.SafeDumper):
    """PyYAML's safe dumper, writing strings with a NEL (U+0085) double-quoted.

    PyYAML writes NEL as it is in a single-quoted scalar, where reading folds it into
    a space; double-quoted, it is escaped and reads back intact.
    """


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if "\x85" in value else None
    return dumper.represent_scalar(_STR_TAG, value, style=style)


_ConfigDumper.add_representer(str, _represent_str)


def dump_yaml(data: Any) -> str:
    """Return ``data`` as block-style YAML text, keys in their given order."""
    dumped: str = yaml.dump(
        data,
        Dumper=_ConfigDumper,
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


class _YamlLimitExceeded(yaml.YAMLError):
    def __init__(self, problem: str, mark: yaml.Mark | None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.mark = mark


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing documents nested or expanding beyond bounds."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        # Stops at the first level too deep, before PyYAML's recursion goes further.
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                event = self.peek_event()  # type: ignore[no-untyped-call]  # untyped in PyYAML's stubs
                raise _YamlLimitExceeded(_too_deep(), event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def compose_document(self) -> yaml.Node | None:
        node = super().compose_document()
        if node is not None:
            _check_expansion(node)
        return node


def compose_yaml(text: str, source: str) -> yaml.Node | None:
    """Return the node tree of one YAML document, within fleece's bounds.

    Args:
        text: the document.
        source: what the text came from, for error messages (a file name).

    Raises:
        ConfigError: the document nests deeper than `MAX_YAML_DEPTH`, its aliases
            add more than `MAX_ALIAS_EXPANSION` nodes, or an alias contains itself.
        yaml.YAMLError: the text is not valid YAML.
    """
    try:
        root: yaml.Node | None = yaml.compose(text, Loader=_BoundedLoader)
    except _YamlLimitExceeded as error:
        raise _limit_error(error, source) from None
    return root


def load_yaml(text: str, source: str) -> Any:
    """Return one YAML document as Python objects, within fleece's bounds.

    Raises:
        ConfigError: as `compose_yaml`.
        yaml.YAMLError: the text is not valid YAML.
    """
    try:
        return yaml.load(text, Loader=_BoundedLoader)  # noqa: S506  # a SafeLoader
    except _YamlLimitExceeded as error:
        raise _limit_error(error, source) from None


def _limit_error(error: _YamlLimitExceeded, source: str) -> ConfigError:
    where = f" (line {error.mark.line + 1})" if error.mark is not None else ""
    return ConfigError(f"{source}: refused: {error.problem}{where}")


def _too_deep() -> str:
    return f"YAML nested deeper than {MAX_YAML_DEPTH} levels"


def _check_expansion(root: yaml.Node) -> None:
    """Refuse a node graph too deep or too large once its aliases are expanded.

    Aliases make the composed tree a graph sharing nodes; each shared node is
    measured once (iteratively: the graph may be deep), so this costs the size of the
    file, not of its expansion.
    """
    measured: dict[int, tuple[int, int]] = {}  # id → (expanded size, height)
    unique_nodes = 0
    in_progress: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_measured = stack.pop()
        children = _children(node)
        if children_measured:
            in_progress.discard(id(node))
            sizes = [measured[id(child)] for child in children]
            height = 1 + max((child_height for _, child_height in sizes), default=0)
            if height > MAX_YAML_DEPTH:
                raise _YamlLimitExceeded(_too_deep(), node.start_mark)
            measured[id(node)] = (1 + sum(size for size, _ in sizes), height)
            continue
        if id(node) in measured:
            continue
        unique_nodes += 1
        in_progress.add(id(node))
        stack.append((node, True))
        for child in children:
            if id(child) in in_progress:
                raise _YamlLimitExceeded(
                    "YAML alias inside the node it refers to", child.start_mark
                )
            stack.append((child, False))
    if measured[id(root)][0] - unique_nodes > MAX_ALIAS_EXPANSION:
        raise _YamlLimitExceeded(
            f"YAML aliases expand to more than {MAX_ALIAS_EXPANSION:,} extra nodes",
            None,
        )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []
