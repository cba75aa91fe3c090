import importlib

import pytest


@pytest.mark.parametrize("leaf", ["fleece.connexion"])
def test_leaf_imports_from_the_fleece_namespace(leaf):
    """The leaf imports, documents itself, and fleece stays a namespace package."""
    import fleece

    module = importlib.import_module(leaf)

    assert module.__doc__
    assert fleece.__file__ is None


def test_1x_import_path_fleece_handlers_connexion_hands_out_these_names():
    """call_api, call_proxy_api, get_connexion_app and FleeceApp, as in 1.x."""
    import fleece.connexion
    from fleece.connexion._app import FleeceApp as Expected
    from fleece.handlers.connexion import (
        FleeceApp,
        call_api,
        call_proxy_api,
        get_connexion_app,
    )

    assert call_api is fleece.connexion.call_api
    assert call_proxy_api is fleece.connexion.call_proxy_api
    assert get_connexion_app is fleece.connexion.get_connexion_app
    assert FleeceApp is Expected
