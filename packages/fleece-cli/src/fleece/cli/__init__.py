"""The ``fleece`` command line: ``run``, ``build`` and ``config``.

``fleece.cli.main`` is the console-script entry point; ``fleece.cli.cli`` is the click
group, for embedding or testing with ``click.testing.CliRunner``.
"""

from fleece.cli._main import cli, main

__all__ = ["cli", "main"]
