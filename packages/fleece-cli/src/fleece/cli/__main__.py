"""``python -m fleece.cli``: the ``fleece`` command line."""

from fleece.cli._main import cli

cli(prog_name="fleece")
