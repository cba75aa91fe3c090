import importlib

import pytest


@pytest.mark.parametrize("leaf", ["fleece.log", "fleece.profiling"])
def test_leaf_imports_from_the_fleece_namespace(leaf):
    """The leaf imports, documents itself, and fleece stays a namespace package."""
    import fleece

    module = importlib.import_module(leaf)

    assert module.__doc__
    assert fleece.__file__ is None
