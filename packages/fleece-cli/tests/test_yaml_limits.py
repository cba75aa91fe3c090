"""Hostile YAML: one ``Error:`` line and exit status 1, in seconds, never a traceback.

``environments.yml`` and ``config.yml`` are read by one bounded loader: at most 100
levels of nesting, and aliases adding at most 10,000 nodes. The real ``fleece``
script runs in a subprocess, as a user would meet these files.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from fleece.cli._errors import ConfigError
from fleece.cli._faws._environments import load_environments

# Far below the minutes the unbounded expansion took, far above the real cost.
TIME_BOUND = 10.0
GOOD_ENVIRONMENTS = "environments:\n  - name: dev\n    account: '123456789012'\n"
STAGES = "stages:\n  dev: {environment: dev, key: dev-config}\n"


def billion_laughs(indent: str = "") -> str:
    """Nine levels of nine aliases each: 9**9 strings once expanded (~340 bytes)."""
    lines = [f'{indent}a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 9):
        name, previous = chr(ord("a") + level), chr(ord("a") + level - 1)
        lines.append(
            f"{indent}{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]"
        )
    return "\n".join(lines) + "\n"


def flow_nesting(levels: int) -> str:
    """A value nested ``levels`` sequences deep, on one line."""
    return "[" * levels + "]" * levels


def block_nesting(levels: int) -> str:
    """A mapping nested ``levels`` levels deep, one key per line."""
    return (
        "".join(f"{' ' * level}k:\n" for level in range(levels)) + " " * levels + "1\n"
    )


def run_fleece(
    fleece: Any, folder: Path, *args: str, stdin: str = ""
) -> tuple[int, list[str]]:
    """Run ``fleece ARGS`` in ``folder``; return its status and stderr lines.

    Checks that it ended within TIME_BOUND seconds.
    """
    env = {**os.environ, "RS_USERNAME": "someone", "RS_API_KEY": "some-key"}
    started = time.monotonic()
    result = fleece(*args, cwd=folder, env=env, input=stdin)
    assert time.monotonic() - started < TIME_BOUND
    assert result.stdout == ""
    return result.returncode, result.stderr.splitlines()


@pytest.mark.parametrize(
    ("environments", "problem"),
    [
        (f"environments: {flow_nesting(3000)}\n", "nested deeper than 100 levels"),
        ("environments:\n" + block_nesting(3000), "nested deeper than 100 levels"),
        (
            billion_laughs() + "environments: *i\n",
            "aliases expand to more than 10,000 extra nodes",
        ),
        ("environments: &e [*e]\n", "YAML alias inside the node it refers to"),
    ],
    ids=["flow-nesting", "block-nesting", "billion-laughs", "self-alias"],
)
def test_a_hostile_environments_file_is_one_line_in_seconds(
    tmp_path: Path, environments: str, problem: str, fleece: Any
) -> None:
    """fleece run -e with a hostile environments.yml: one line, exit status 1."""
    (tmp_path / "environments.yml").write_text(environments, encoding="utf-8")
    status, lines = run_fleece(fleece, tmp_path, "run", "-e", "dev", "true")
    assert (status, len(lines)) == (1, 1), lines
    assert lines[0].startswith("Error: environments.yml: refused: YAML ")
    assert problem in lines[0]


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        (f"config: {flow_nesting(3000)}\n", "nested deeper than 100 levels"),
        ("config:\n" + block_nesting(3000), "nested deeper than 100 levels"),
        (
            "config:\n" + billion_laughs("  "),
            "aliases expand to more than 10,000 extra nodes",
        ),
        ("config: &c\n  again: *c\n", "YAML alias inside the node it refers to"),
    ],
    ids=["flow-nesting", "block-nesting", "billion-laughs", "self-alias"],
)
@pytest.mark.parametrize("command", [["render", "dev"], ["export"], ["import"]])
def test_a_hostile_config_file_is_one_line_in_seconds(
    tmp_path: Path, config: str, problem: str, command: list[str], fleece: Any
) -> None:
    """render, export (config.yml) and import (stdin): one line, exit status 1."""
    (tmp_path / "environments.yml").write_text(GOOD_ENVIRONMENTS, encoding="utf-8")
    document = STAGES + config
    source = "stdin"
    if command != ["import"]:
        (tmp_path / "config.yml").write_text(document, encoding="utf-8")
        source = "config.yml"
    status, lines = run_fleece(fleece, tmp_path, "config", *command, stdin=document)
    assert (status, len(lines)) == (1, 1), lines
    assert lines[0].startswith(f"Error: {source}: refused: YAML ")
    assert problem in lines[0]


def test_the_billion_laughs_file_is_small() -> None:
    """The hostile config.yml above is a few hundred bytes, as in the wild."""
    assert len((STAGES + "config:\n" + billion_laughs("  ")).encode()) < 500


def test_nesting_up_to_the_limit_loads(tmp_path: Path) -> None:
    """100 levels are read (and judged on content); 101 are refused as too deep."""
    path = tmp_path / "environments.yml"
    # The root mapping and its key are two levels; each '[' adds one.
    messages = []
    for brackets in (99, 100):
        path.write_text(f"environments: {flow_nesting(brackets)}\n", encoding="utf-8")
        with pytest.raises(ConfigError) as raised:
            load_environments(path)
        messages.append(raised.value.format_message())
    assert [
        "environments[0]: expected a mapping" in messages[0],
        "nested deeper than 100 levels" in messages[1],
    ] == [True, True]


def test_small_anchors_and_aliases_keep_working(tmp_path: Path) -> None:
    """An environment reused through an alias loads as before."""
    path = tmp_path / "environments.yml"
    path.write_text(
        "base: &base {name: dev, account: '123456789012'}\nenvironments: [*base]\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as raised:
        load_environments(path)
    assert "unknown top-level key 'base'" in raised.value.format_message()
    path.write_text(
        "environments:\n  - &dev {name: dev, account: '123456789012'}\n"
        "stages:\n  dev: &stage {environment: dev}\n  /dev-.*/: *stage\n",
        encoding="utf-8",
    )
    environments = load_environments(path)
    assert environments.environment_for_stage("dev-alice").account == "123456789012"
