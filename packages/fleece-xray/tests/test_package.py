import importlib

import pytest


@pytest.mark.parametrize("leaf", ["fleece.xray"])
def test_leaf_imports_from_the_fleece_namespace(leaf):
    """The leaf imports, documents itself, and fleece stays a namespace package."""
    import fleece

    module = importlib.import_module(leaf)

    assert module.__doc__
    assert fleece.__file__ is None


def test_importing_fleece_xray_loads_neither_the_sdk_nor_clients() -> None:
    """aws_xray_sdk, wrapt, botocore and requests load only when tracing needs them."""
    from fleece.testing import modules_imported_by

    heavy = {"aws_xray_sdk", "aws_xray_sdk.core", "wrapt", "botocore", "boto3"}
    assert not (heavy | {"requests", "asyncio"}) & modules_imported_by("fleece.xray")
