"""The ``fleece`` command line: ``run``, ``build`` and ``config``.

``fleece.cli.main`` (the console-script entry point) and ``fleece.cli.cli`` are the
same click group: call it to run the command line, or drive it with
``click.testing.CliRunner``. ``python -m fleece.cli`` runs it too.
"""

from fleece.cli._main import cli, main

__all__ = ["cli", "main"]
