"""A click group whose sub-commands are imported only when they are run."""

from __future__ import annotations

import difflib
import importlib
import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import click

from fleece.cli._errors import MissingDependencyError

# Import names whose distribution on the package index has another name.
_DISTRIBUTION_OF_MODULE = {
    "yaml": "pyyaml",
    "fleece.boto3": "fleece-boto",
    "fleece.requests": "fleece-requests",
    "fleece.log": "fleece-log",
    "fleece.xray": "fleece-xray",
    "fleece.connexion": "fleece-connexion",
}


def distribution_for_module(module: str) -> str:
    """Return the name to ``pip install`` for an importable module name.

    Args:
        module: a dotted module name, e.g. ``"yaml"`` or ``"docker.errors"``.

    Returns:
        The distribution name, e.g. ``"pyyaml"`` or ``"docker"``.
    """
    parts = module.split(".")
    key = ".".join(parts[:2]) if parts[0] == "fleece" else parts[0]
    return _DISTRIBUTION_OF_MODULE.get(key, key.replace("_", "-"))


@dataclass(frozen=True)
class LazyCommand:
    """Where a sub-command lives and what ``fleece --help`` says about it.

    Attributes:
        import_path: ``"package.module:attribute"`` of the click command.
        short_help: the one-line summary listed by ``fleece --help``.
    """

    import_path: str
    short_help: str

    @property
    def module(self) -> str:
        """The module that defines the command."""
        return self.import_path.partition(":")[0]


class LazyGroup(click.Group):
    """A group that lists sub-commands without importing them.

    ``fleece --help`` stays fast because listing reads only the summaries given here;
    a sub-command whose module is not installed is left out of the list.
    """

    def __init__(
        self,
        *args: Any,
        lazy_commands: Mapping[str, LazyCommand],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Return the eager commands and the lazy ones whose module exists."""
        available = {
            name
            for name, lazy in self.lazy_commands.items()
            if importlib.util.find_spec(lazy.module) is not None
        }
        return sorted(available | set(super().list_commands(ctx)))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Import and return the command named ``cmd_name`` (None if unknown).

        Raises:
            MissingDependencyError: the command's module imports a package that is not
                installed.
        """
        lazy = self.lazy_commands.get(cmd_name)
        if lazy is None:
            return super().get_command(ctx, cmd_name)
        module_name, _, attribute = lazy.import_path.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name is None or _is_parent_or_self(error.name, module_name):
                # The command is not part of this installation: not listed, unknown.
                return None
            raise MissingDependencyError(
                error.name,
                package=distribution_for_module(error.name),
                feature=f"'{ctx.command_path} {cmd_name}'",
            ) from None
        command = getattr(module, attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{lazy.import_path} is not a click command")
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """Resolve ``args[0]``; a mistyped name gets the closest command suggested.

        Click suggests only among the commands it holds, and the lazy ones are not
        there until imported.

        Raises:
            click.UsageError: no command has that name.
        """
        name = args[0]
        if (
            not ctx.resilient_parsing
            and not name.startswith("-")
            and self.get_command(ctx, name) is None
        ):
            matches = difflib.get_close_matches(name, self.list_commands(ctx))
            hint = f" Did you mean {matches[0]!r}?" if matches else ""
            raise click.UsageError(f"No such command {name!r}.{hint}", ctx)
        return super().resolve_command(ctx, args)

    def format_commands(
        self, ctx: click.Context, formatter: click.HelpFormatter
    ) -> None:
        """Write the commands section of the help from the summaries, importing none."""
        rows = []
        for name in self.list_commands(ctx):
            lazy = self.lazy_commands.get(name)
            if lazy is not None:
                rows.append((name, lazy.short_help))
                continue
            command = super().get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str()))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _is_parent_or_self(name: str, module: str) -> bool:
    return module == name or module.startswith(name + ".")
