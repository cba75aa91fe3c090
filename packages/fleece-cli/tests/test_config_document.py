"""How ``fleece config`` rewrites a YAML file: only the secrets' scalars change."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from fleece.cli._config._document import (
    ConfigDocument,
    dump_yaml,
    is_string,
    yaml_scalar,
)

# Any text YAML can hold: no surrogates, no NUL-like C0/C1 controls are special-cased.
texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
keys = st.text(
    st.characters(categories=("L", "N"), include_characters="_-."),
    min_size=1,
    max_size=8,
)
trees = st.recursive(
    texts,
    lambda children: (
        st.dictionaries(keys, children, min_size=1, max_size=4)
        | st.lists(children, min_size=1, max_size=3)
    ),
    max_leaves=12,
)


def string_nodes(node: yaml.Node) -> list[yaml.ScalarNode]:
    """Every string scalar of a composed document, values only, in order."""
    if isinstance(node, yaml.MappingNode):
        return [found for _, value in node.value for found in string_nodes(value)]
    if isinstance(node, yaml.SequenceNode):
        return [found for item in node.value for found in string_nodes(item)]
    return [node] if is_string(node) else []


def replaced(data: Any, values: list[str]) -> Any:
    """``data`` with its string leaves replaced, in order, by ``values``."""
    if isinstance(data, dict):
        return {key: replaced(value, values) for key, value in data.items()}
    if isinstance(data, list):
        return [replaced(item, values) for item in data]
    return values.pop(0)


@given(value=texts)
@settings(max_examples=200, deadline=None)
def test_a_written_scalar_loads_back_as_the_same_text_in_any_context(
    value: str,
) -> None:
    """Block mapping, nested mapping, flow mapping, flow and block sequence."""
    scalar = yaml_scalar(value)
    documents = [
        f"k: {scalar}\n",
        f"a:\n  b: {scalar}  # comment\n",
        f"a: {{b: {scalar}, c: d}}\n",
        f"a: [x, {scalar}]\n",
        f"a:\n  - {scalar}\n  - y\n",
    ]
    loaded = [yaml.safe_load(document) for document in documents]
    assert [
        {"k": value},
        {"a": {"b": value}},
        {"a": {"b": value, "c": "d"}},
        {"a": ["x", value]},
        {"a": [value, "y"]},
    ] == loaded


@given(tree=st.dictionaries(keys, trees, min_size=1, max_size=4), data=st.data())
@settings(max_examples=100, deadline=None)
def test_replacing_values_changes_exactly_those_values(tree: Any, data: Any) -> None:
    """Any tree, any new values: the document loads as the tree with them put in."""
    document = ConfigDocument.parse("# head\n" + dump_yaml(tree), "test")
    assert document.root is not None
    nodes = string_nodes(document.root)
    new_values = [data.draw(texts) for _ in nodes]
    text = document.with_values(
        {id(node): (node, new) for node, new in zip(nodes, new_values, strict=True)}
    )
    assert replaced(tree, list(new_values)) == yaml.safe_load(text)
    assert text.startswith("# head\n")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: plain  # note\nb: 1\n", "a: NEW  # note\nb: 1\n"),
        ("a: 'single'\n", "a: NEW\n"),
        ('a: "double"\n', "a: NEW\n"),
        (
            "a: |\n  line one\n  line two\n\n# after\nb: 1\n",
            "a: NEW\n\n# after\nb: 1\n",
        ),
        ("a: >-\n  folded\n  text\nb: 1\n", "a: NEW\nb: 1\n"),
        ("a: {x: old, y: 1}\n", "a: {x: NEW, y: 1}\n"),
        ("a: &anchor old\nb: *anchor\n", "a: &anchor NEW\nb: *anchor\n"),
        ("a: !!str old\n", "a: !!str NEW\n"),
        ("a: multi\n  line plain\nb: 1\n", "a: NEW\nb: 1\n"),
    ],
    ids=[
        "plain",
        "single",
        "double",
        "literal",
        "folded",
        "flow",
        "anchor",
        "tag",
        "multiline",
    ],
)
def test_each_scalar_style_is_replaced_in_place(text: str, expected: str) -> None:
    """The scalar's own text goes; its anchor, tag, comment and neighbours stay."""
    document = ConfigDocument.parse(text, "test")
    assert document.root is not None
    node = string_nodes(document.root)[0]
    assert expected == document.with_values({id(node): (node, "NEW")})


def test_a_multiline_value_is_written_on_one_line() -> None:
    """Line breaks are escaped, so the value never depends on indentation."""
    assert yaml_scalar("first\nsecond\n") == '"first\\nsecond\\n"'


@pytest.mark.parametrize("value", ["\x85", ":encrypt:a\x85b", "\u2028", "a\nb"])
def test_a_json_value_with_any_line_break_survives_the_turn_into_yaml(
    value: str,
) -> None:
    """NEL, which PyYAML's single quotes fold into a space, is kept as it was."""
    assert {"key": value} == yaml.safe_load(dump_yaml({"key": value}))
