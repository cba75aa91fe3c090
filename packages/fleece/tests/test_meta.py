import importlib

import pytest


@pytest.mark.parametrize(
    "leaf", ["fleece.log", "fleece.boto3", "fleece.requests", "fleece.xray"]
)
def test_meta_package_brings_the_core_libraries(leaf):
    """Installing fleece gives the four core leaves in one namespace."""
    import fleece

    assert importlib.import_module(leaf).__doc__
    assert fleece.__file__ is None
