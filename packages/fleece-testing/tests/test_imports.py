import pytest

from fleece.testing import modules_added_by, modules_imported_by


def test_modules_imported_by_lists_what_an_import_loads():
    """The import of a stdlib module shows that module and its own imports."""
    modules = modules_imported_by("json")

    assert {"json", "json.decoder"} <= modules
    assert "fleece.testing" not in modules


def test_modules_added_by_lists_only_what_the_import_added():
    """Modules loaded at start-up (sys, os) are left out; the import's own are in."""
    modules = modules_added_by("json")

    assert {"json", "json.decoder"} <= modules
    assert not {"sys", "os", "builtins"} & modules


def test_modules_imported_by_reports_a_failing_import():
    """A module that cannot be imported raises ImportError with the child's error."""
    with pytest.raises(ImportError, match="No module named"):
        modules_imported_by("no_such_module_here")


def test_modules_imported_by_refuses_code_that_is_not_a_module_name():
    """Only dotted module names are accepted, never arbitrary code."""
    with pytest.raises(ValueError, match="not a module name"):
        modules_imported_by("os; print(1)")


def test_importing_fleece_testing_loads_no_heavy_libraries():
    """fleece.testing imports neither pytest, moto, boto3 nor the X-Ray SDK."""
    modules = modules_imported_by("fleece.testing")

    assert not {"pytest", "moto", "boto3", "botocore", "aws_xray_sdk"} & modules


def test_fleece_is_a_namespace_package():
    """fleece has no __init__.py: its __file__ is None."""
    import fleece

    assert fleece.__file__ is None
