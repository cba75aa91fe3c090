"""LambdaRuntime: a zip run by awslambdaric on a local Runtime API."""

from __future__ import annotations

import stat
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from fleece.testing import LambdaRuntime, lambda_runtime_packages, unpack_read_only

HANDLER = """
import os, sys

def echo(event, context):
    print("echoing", event["n"])
    return {
        "event": event,
        "function_name": context.function_name,
        "request_id": context.aws_request_id,
        "trace_id": os.environ.get("_X_AMZN_TRACE_ID"),
        "remaining_ms": context.get_remaining_time_in_millis(),
    }

def surroundings(event, context):
    import importlib.util, boto3
    return {
        "path": sys.path[:2],
        "boto3": boto3.__file__,
        "pytest_importable": importlib.util.find_spec("pytest") is not None,
        "handler_mode": os.stat(__file__).st_mode & 0o777,
        "root_mode": os.stat(os.environ["LAMBDA_TASK_ROOT"]).st_mode & 0o777,
        "writes_bytecode": not sys.dont_write_bytecode,
        "environment": {k: v for k, v in os.environ.items() if k != "_X_AMZN_TRACE_ID"},
    }

def fail(event, context):
    raise ValueError("pet " + event["name"] + " is not known")

def die(event, context):
    os._exit(3)
"""

Start = Callable[..., LambdaRuntime]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny Lambda zip: handler.py and a module its import fails on."""
    path = tmp_path_factory.mktemp("bundle") / "lambda_function.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("handler.py", HANDLER)
        archive.writestr("broken.py", "import no_such_module\n")
    return path


def test_a_handler_result_comes_back_as_the_invocation_result(
    lambda_runtime: Start, bundle: Path
) -> None:
    """The event reaches the handler, its return value and output come back."""
    runtime = lambda_runtime(bundle, "handler.echo", function_name="pets")
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"

    invocation = runtime.invoke({"n": 1}, trace_id=trace)

    assert invocation.error is None
    assert invocation.result["event"] == {"n": 1}
    assert invocation.result["function_name"] == "pets"
    assert invocation.request_id == invocation.result["request_id"]
    assert trace == invocation.result["trace_id"]
    assert 0 < invocation.result["remaining_ms"] <= 30_000
    assert invocation.logs == ("echoing 1",)


def test_one_process_serves_invocation_after_invocation(
    lambda_runtime: Start, bundle: Path
) -> None:
    """Like a warm Lambda environment, the same process answers every event."""
    runtime = lambda_runtime(bundle, "handler.echo")

    results = [runtime.invoke({"n": n}).result["event"]["n"] for n in range(3)]

    assert results == [0, 1, 2]
    assert runtime.logs == ["echoing 0", "echoing 1", "echoing 2"]


def test_the_function_sees_only_its_zip_and_the_runtime_packages(
    lambda_runtime: Start, bundle: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The task root is read-only and first on sys.path; boto3 is the runtime's."""
    monkeypatch.setenv("FLEECE_TEST_SECRET", "not for the function")
    runtime = lambda_runtime(
        bundle, "handler.surroundings", environment={"TABLE": "pets"}
    )

    seen = runtime.invoke({}).result

    assert [str(runtime.task_root), str(lambda_runtime_packages())] == seen["path"]
    assert seen["boto3"].startswith(str(lambda_runtime_packages()))
    assert not seen["pytest_importable"]
    assert (seen["handler_mode"], seen["root_mode"]) == (0o444, 0o555)
    assert not seen["writes_bytecode"]
    environment = seen["environment"]
    assert environment["TABLE"] == "pets"
    assert environment["_HANDLER"] == "handler.surroundings"
    assert str(runtime.task_root) == environment["LAMBDA_TASK_ROOT"]
    assert "FLEECE_TEST_SECRET" not in environment


def test_a_raising_handler_comes_back_as_the_invocation_error(
    lambda_runtime: Start, bundle: Path
) -> None:
    """The exception's type, message and stack arrive as Lambda reports them."""
    runtime = lambda_runtime(bundle, "handler.fail")

    invocation = runtime.invoke({"name": "Rex"})

    assert invocation.result is None
    assert invocation.error is not None
    assert invocation.error["errorType"] == "ValueError"
    assert invocation.error["errorMessage"] == "pet Rex is not known"
    assert any("in fail" in frame for frame in invocation.error["stackTrace"])
    assert runtime.running


def test_a_handler_that_cannot_be_imported_is_an_init_error(
    lambda_runtime: Start, bundle: Path
) -> None:
    """The import error is the init error, and every invocation answers with it."""
    runtime = lambda_runtime(bundle, "broken.handler")

    invocation = runtime.invoke({})

    assert runtime.init_error is not None
    assert runtime.init_error["errorType"] == "Runtime.ImportModuleError"
    assert "No module named 'no_such_module'" in runtime.init_error["errorMessage"]
    assert runtime.init_error == invocation.error
    assert not runtime.running


def test_a_missing_handler_function_is_an_init_error(
    lambda_runtime: Start, bundle: Path
) -> None:
    """A handler name the module lacks fails at start, as in Lambda."""
    runtime = lambda_runtime(bundle, "handler.no_such_function")

    assert runtime.init_error is not None
    assert runtime.init_error["errorType"] == "Runtime.HandlerNotFound"


def test_a_process_that_dies_mid_invocation_is_an_exit_error(
    lambda_runtime: Start, bundle: Path
) -> None:
    """The invocation reports Runtime.ExitError with the exit status."""
    runtime = lambda_runtime(bundle, "handler.die")

    invocation = runtime.invoke({})

    assert invocation.error is not None
    assert invocation.error["errorType"] == "Runtime.ExitError"
    assert "exit status 3" in invocation.error["errorMessage"]


def test_stopping_removes_the_read_only_copy(bundle: Path) -> None:
    """stop() ends the process and deletes the task root it made."""
    with LambdaRuntime(bundle, "handler.echo") as runtime:
        task_root = runtime.task_root
        assert task_root is not None
        assert task_root.is_dir()
    assert not runtime.running
    assert not task_root.exists()


def test_unpack_read_only_keeps_executable_bits_and_drops_write_bits(
    tmp_path: Path,
) -> None:
    """A script packed executable stays executable, as Lambda unpacks it."""
    archive_path = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive_path, "w") as archive:
        script = zipfile.ZipInfo("bin/tool")
        script.external_attr = (stat.S_IFREG | 0o755) << 16
        archive.writestr(script, "#!/bin/sh\n")
        archive.writestr("module.py", "")

    folder = unpack_read_only(archive_path, tmp_path / "task")

    assert stat.S_IMODE((folder / "bin" / "tool").stat().st_mode) == 0o555
    assert stat.S_IMODE((folder / "module.py").stat().st_mode) == 0o444
    assert stat.S_IMODE((folder / "bin").stat().st_mode) == 0o555
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755)
