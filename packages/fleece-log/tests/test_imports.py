"""Import hygiene: fleece.log stays light and does no work at import."""

from __future__ import annotations

import subprocess
import sys

import pytest

from fleece.testing import modules_added_by

# What `import fleece.log` may load beyond its own modules: the standard library's
# logging, json and what they stand on. Anything else (typing, asyncio, a third-party
# library) is a cost every Lambda cold start would pay.
STDLIB_ALLOWED = frozenset(
    {
        "__future__",
        "_collections",
        "_contextvars",
        "_functools",
        "_json",
        "_operator",
        "_sre",
        "_string",
        "_weakrefset",
        "atexit",
        "collections",
        "collections.abc",
        "contextlib",
        "contextvars",
        "copyreg",
        "enum",
        "functools",
        "itertools",
        "json",
        "json.decoder",
        "json.encoder",
        "json.scanner",
        "keyword",
        "linecache",
        "logging",
        "math",
        "operator",
        "re",
        "re._casefix",
        "re._compiler",
        "re._constants",
        "re._parser",
        "reprlib",
        "string",
        "textwrap",
        "threading",
        "token",
        "tokenize",
        "traceback",
        "types",
        "warnings",
        "weakref",
    }
)


def test_the_allow_list_names_only_standard_library_modules():
    """Every allowed module is part of Python itself."""
    assert {
        name for name in STDLIB_ALLOWED if name.split(".")[0] in sys.stdlib_module_names
    } == STDLIB_ALLOWED


@pytest.mark.parametrize("leaf", ["fleece.log", "fleece.profiling"])
def test_importing_the_leaf_loads_only_allowed_standard_library_modules(leaf):
    """Every module the import adds is fleece's own or in the stdlib allow-list."""
    added = modules_added_by(leaf)

    assert leaf in added
    assert (
        set()
        == {name for name in added if not name.startswith("fleece")} - STDLIB_ALLOWED
    )


@pytest.mark.parametrize("leaf", ["fleece.log", "fleece.profiling"])
def test_importing_the_leaf_leaves_logging_untouched(leaf):
    """Import alone adds no handler to the root logger and writes nothing.

    fleece 1.x's fleece.profiling configured the root logger as it was imported.
    """
    code = (
        f"import logging, {leaf};"
        "print(len(logging.getLogger().handlers), logging.getLogger().level)"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert (result.stdout, result.stderr) == ("0 30\n", "")


def test_the_public_names_are_exported():
    """Everything SPEC §1 names is importable from fleece.log."""
    from fleece import log

    for name in (
        "get_logger",
        "getLogger",
        "BoundLogger",
        "bind_context",
        "unbind_context",
        "clear_context",
        "setup_root_logger",
        "inject_request_ids_into_environment",
        "inject_lambda_context",
        "RetryHandler",
        "logme",
    ):
        assert name in log.__all__
        assert getattr(log, name) is not None
