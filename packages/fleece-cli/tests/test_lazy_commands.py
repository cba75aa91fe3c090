"""Sub-commands load on demand; a missing package is one line saying what to install."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from fleece.cli._lazy import LazyCommand
from fleece.cli._main import FleeceGroup


@pytest.fixture
def group(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FleeceGroup:
    """A fleece group with a working, a broken and an absent sub-command."""
    (tmp_path / "cmd_hello.py").write_text(
        "import click\n\n@click.command()\ndef hello():\n    click.echo('hello')\n",
        encoding="utf-8",
    )
    (tmp_path / "cmd_needs.py").write_text(
        "import not_installed_pkg.sub\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return FleeceGroup(
        name="fleece",
        lazy_commands={
            "hello": LazyCommand("cmd_hello:hello", "Say hello."),
            "needs": LazyCommand("cmd_needs:needs", "Needs a missing package."),
            "absent": LazyCommand("cmd_absent:absent", "Not installed."),
        },
    )


def test_help_lists_commands_whose_module_exists_without_importing_them(
    group: FleeceGroup,
) -> None:
    """--help lists hello and needs from their summaries; absent is left out."""
    result = CliRunner().invoke(group, ["--help"], prog_name="fleece")
    commands = result.stdout.split("Commands:")[1].split("\n")
    assert [line.split()[0] for line in commands if line.strip()] == ["hello", "needs"]
    assert "Needs a missing package." in result.stdout


def test_a_lazy_command_runs_when_named(group: FleeceGroup) -> None:
    """Naming a sub-command imports and runs it."""
    result = CliRunner().invoke(group, ["hello"], prog_name="fleece")
    assert (result.exit_code, result.stdout) == (0, "hello\n")


def test_a_command_needing_a_missing_package_says_what_to_install(
    group: FleeceGroup,
) -> None:
    """One line naming the package and the pip command, exit status 1."""
    result = CliRunner().invoke(group, ["needs"], prog_name="fleece")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Error: 'fleece needs' needs the Python package 'not-installed-pkg' (module "
        "'not_installed_pkg'), which is not installed: pip install not-installed-pkg"
    ]


def test_a_command_that_is_not_installed_is_unknown(group: FleeceGroup) -> None:
    """A sub-command whose module does not exist is a usage error like a typo."""
    result = CliRunner().invoke(group, ["absent"], prog_name="fleece")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "Error: No such command 'absent'. (see 'fleece --help')"
    ]
