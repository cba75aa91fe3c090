"""``fleece build --builder docker``: the container spec, checked with a fake client.

No Docker engine exists where these tests run: the Docker SDK's ``from_env`` is
replaced by a fake client that records the container it is asked to run and plays
pip's part by writing a package into the mounted output folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import docker
import pytest
from click.testing import CliRunner, Result
from docker.models.containers import _create_container_args

from fleece.cli._build._bytecode import compileall_arguments
from fleece.cli._build._command import build

TAG = sys.implementation.cache_tag


def installs(client: FakeDockerClient) -> list[dict[str, Any]]:
    """The container runs that installed dependencies (not the compiles)."""
    return [
        spec
        for spec in client.containers.runs
        if any(m["bind"] == "/var/fleece/layer" for m in spec["volumes"].values())
    ]


class FakeContainer:
    """A finished container: its exit status and logs."""

    def __init__(self, status: int, logs: bytes) -> None:
        self.id = "f1e2d3c4"
        self.status = status
        self._logs = logs
        self.removed = False

    def wait(self) -> dict[str, Any]:
        """Return the exit status as the SDK does."""
        return {"StatusCode": self.status, "Error": None}

    def logs(self) -> bytes:
        """Return what the container printed."""
        return self._logs

    def remove(self, force: bool = False) -> None:
        """Record the removal."""
        self.removed = force


class FakeContainers:
    """``client.containers``: records each ``run``; installs a fake package, or
    compiles with this machine's Python as the image's would."""

    def __init__(self, status: int, logs: bytes) -> None:
        self.runs: list[dict[str, Any]] = []
        self.created: list[dict[str, Any]] = []
        self.started: list[FakeContainer] = []
        self.status = status
        self.logs = logs

    def run(self, **spec: Any) -> FakeContainer:
        """Play the container: write what pip would install into the output mount.

        The arguments first go through the SDK's own translation to the engine's
        create request, which rejects any argument ``run`` does not know.
        """
        self.runs.append(spec)
        self.created.append(_create_container_args({**spec, "version": "1.44"}))
        mounts = {mount["bind"]: Path(host) for host, mount in spec["volumes"].items()}
        if self.status == 0 and "/var/task" in mounts:
            subprocess.run(
                [sys.executable, *compileall_arguments(str(mounts["/var/task"]))],
                env=spec["environment"],
                check=False,
            )
        elif self.status == 0:
            output = mounts["/var/fleece/layer"]
            (output / "compiled").mkdir()
            (output / "compiled" / "__init__.py").write_text("BUILT_IN = 'docker'\n")
        container = FakeContainer(self.status, self.logs)
        self.started.append(container)
        return container


class FakeDockerClient:
    """What ``docker.from_env()`` returns: ``ping`` and ``containers``."""

    def __init__(self, status: int = 0, logs: bytes = b"") -> None:
        self.containers = FakeContainers(status, logs)

    def ping(self) -> bool:
        """The engine answers."""
        return True


@pytest.fixture
def fake_docker(monkeypatch: pytest.MonkeyPatch) -> FakeDockerClient:
    """Make ``docker.from_env()`` return a fake client."""
    client = FakeDockerClient()
    monkeypatch.setattr(docker, "from_env", lambda: client)
    return client


@pytest.fixture(autouse=True)
def build_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A cache of the test's own, a PIP_* setting and a secret that must stay out."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("PIP_INDEX_URL", "https://user:token@pypi.example/simple")
    monkeypatch.setenv("PIP_FIND_LINKS", "/opt/wheels")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-for-the-container")


@pytest.fixture
def service(tmp_path: Path) -> Path:
    """A service whose requirement has no wheel: a job for the Docker builder."""
    source = tmp_path / "service" / "src"
    source.mkdir(parents=True)
    (source / "handler.py").write_text("import compiled\n")
    (source / "requirements.txt").write_text("compiled==1.0\n")
    return tmp_path / "service"


def run_build(*args: str | os.PathLike[str]) -> Result:
    """Run ``fleece build`` in-process."""
    return CliRunner().invoke(build, [str(arg) for arg in args])


def test_docker_builder_runs_pip_in_lambdas_image(
    service: Path, fake_docker: FakeDockerClient, tmp_path: Path
) -> None:
    """Lambda's image for the Python, requirements mounted read-only, PIP_* in env."""
    result = run_build(
        service, "--builder", "docker", "-d", "gcc,libffi-devel", "-d", "make"
    )

    assert result.exit_code == 0, result.output
    [spec] = installs(fake_docker)
    assert spec["image"] == "public.ecr.aws/lambda/python:3.12"
    assert spec["platform"] == "linux/amd64"
    assert spec["entrypoint"] == ["/bin/sh", "-c"]
    assert spec["detach"] is True
    environment = spec["environment"]
    assert environment["PIP_INDEX_URL"] == "https://user:token@pypi.example/simple"
    assert environment["PIP_FIND_LINKS"] == "/opt/wheels"
    assert [name for name in environment if not name.startswith("PIP_")] == []
    assert spec["volumes"][str((service / "src").resolve())] == {
        "bind": "/var/fleece/requirements",
        "mode": "ro",
    }
    created = fake_docker.containers.created[0]
    requirements_bind, layer_bind = created["host_config"]["Binds"]
    source = (service / "src").resolve()
    assert requirements_bind == f"{source}:/var/fleece/requirements:ro"
    assert layer_bind.startswith(f"{tmp_path / 'cache' / 'fleece' / 'build'}/")
    assert layer_bind.endswith(":/var/fleece/layer:rw")
    [script] = spec["command"]
    steps = script.splitlines()
    assert steps[0] == "set -e"
    assert "dnf install -y gcc libffi-devel make" in steps[1]
    assert "yum install -y gcc libffi-devel make" in steps[1]
    assert steps[2] == (
        "python3 -m pip install --no-compile --no-warn-script-location "
        "--disable-pip-version-check --target /var/fleece/layer "
        "--requirement /var/fleece/requirements/requirements.txt"
    )
    assert steps[3] == f"chown -R {os.getuid()}:{os.getgid()} /var/fleece/layer"
    assert "token" not in script
    assert fake_docker.containers.started[0].removed


def test_docker_build_zips_what_the_container_installed(
    service: Path, fake_docker: FakeDockerClient
) -> None:
    """The files written by the container are in the zip, beside the sources."""
    result = run_build(service, "--builder", "docker")

    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(service / "dist" / "lambda_function.zip") as archive:
        assert archive.namelist() == [
            f"__pycache__/handler.{TAG}.pyc",
            "compiled/__init__.py",
            f"compiled/__pycache__/__init__.{TAG}.pyc",
            "handler.py",
            "requirements.txt",
        ]
    assert "Installing dependencies in public.ecr.aws/lambda/python:3.12" in (
        result.stderr
    )


def test_docker_builder_takes_image_python_and_arm64(
    service: Path, fake_docker: FakeDockerClient
) -> None:
    """--image replaces Lambda's image; arm64 runs the linux/arm64 platform."""
    result = run_build(
        service,
        "--builder",
        "docker",
        "--image",
        "registry.example/py:3.13",
        "--python",
        "3.13",
        "--arch",
        "arm64",
    )

    assert result.exit_code == 0, result.output
    [spec] = installs(fake_docker)
    assert spec["image"] == "registry.example/py:3.13"
    assert spec["platform"] == "linux/arm64"
    assert "install -y" not in spec["command"][0]


def test_docker_layer_is_cached_like_pip_layers(
    service: Path, fake_docker: FakeDockerClient
) -> None:
    """A second build reuses the layer; --rebuild and a new image run the container."""
    run_build(service, "--builder", "docker")
    cached = run_build(service, "--builder", "docker")
    rebuilt = run_build(service, "--builder", "docker", "--rebuild")
    other_image = run_build(service, "--builder", "docker", "--image", "img:1")

    assert "Using cached dependencies" in cached.stderr
    assert rebuilt.exit_code == 0, rebuilt.output
    assert other_image.exit_code == 0, other_image.output
    assert [spec["image"] for spec in installs(fake_docker)] == [
        "public.ecr.aws/lambda/python:3.12",
        "public.ecr.aws/lambda/python:3.12",
        "img:1",
    ]


def test_docker_builder_compiles_with_the_images_python(
    service: Path, fake_docker: FakeDockerClient
) -> None:
    """The layer (once, then cached) and the sources (each build) are compiled by
    the image's python3, mounted as /var/task, to unchecked-hash bytecode with a
    fixed hash seed; --no-compile runs no compile."""
    run_build(service, "--builder", "docker")
    run_build(service, "--builder", "docker")
    run_build(service, "--builder", "docker", "--no-compile")

    runs = fake_docker.containers.runs
    compiles = [spec for spec in runs if spec not in installs(fake_docker)]
    assert len(compiles) == 3
    spec = compiles[0]
    assert spec["image"] == "public.ecr.aws/lambda/python:3.12"
    assert spec["environment"] == {"PYTHONHASHSEED": "0"}
    [mount] = spec["volumes"].values()
    assert mount == {"bind": "/var/task", "mode": "rw"}
    steps = spec["command"][0].splitlines()
    # The runtime's packages are left out of the zip: not worth compiling.
    assert steps[1] == (
        "python3 -m compileall -qq -o 0 --invalidation-mode unchecked-hash "
        "-x '^/var/task/(boto3|botocore|s3transfer)/' "
        "-d /var/task /var/task || test $? -eq 1"
    )
    assert steps[2] == f"chown -R {os.getuid()}:{os.getgid()} /var/task"
    sources_step = compiles[1]["command"][0].splitlines()[1]
    assert " -x " not in sources_step
    # The layer without bytecode is another cache entry.
    assert len(installs(fake_docker)) == 2


def test_failed_container_exits_1_with_its_last_line_and_no_zip(
    service: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pip failing inside the image: one line with its last words, nothing written."""
    client = FakeDockerClient(
        status=1,
        logs=b"Collecting compiled==1.0\nERROR: No matching distribution found\n",
    )
    monkeypatch.setattr(docker, "from_env", lambda: client)

    result = run_build(service, "--builder", "docker")

    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "Error: the dependency install in public.ecr.aws/lambda/python:3.12 failed "
        "(exit 1): ERROR: No matching distribution found"
    )
    assert not (service / "dist").exists()
    assert client.containers.started[0].removed


def test_bad_system_package_name_is_a_usage_error(service: Path) -> None:
    """A -d value that is no package name (say, a shell command) exits 2."""
    result = run_build(service, "--builder", "docker", "-d", "gcc; rm -rf /")

    assert result.exit_code == 2
    assert "'gcc; rm -rf /' is not a system package name" in result.stderr


def test_missing_docker_sdk_says_docker_not_found(
    service: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the docker package: one line saying what to install, exit 1."""
    monkeypatch.setitem(sys.modules, "docker", None)

    result = run_build(service, "--builder", "docker")

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Installing dependencies from {service / 'src' / 'requirements.txt'} "
        "(python 3.12, x86_64, docker)...",
        "Error: Docker not found: the Python package 'docker' is not installed "
        "(pip install 'fleece-command[docker]'), or use --builder pip",
    ]


def test_no_docker_engine_says_docker_not_found_in_one_line(
    service: Path, tmp_path: Path
) -> None:
    """The real SDK with no engine behind DOCKER_HOST: one line, exit 1, no zip."""
    env = {**os.environ, "DOCKER_HOST": f"unix://{tmp_path}/no-such-docker.sock"}
    fleece = Path(sys.executable).with_name("fleece")

    completed = subprocess.run(
        [fleece, "build", "--builder", "docker", service],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )

    assert completed.returncode == 1
    last = completed.stderr.splitlines()[-1]
    assert last.startswith("Error: Docker not found: no Docker engine answers (")
    assert "Traceback" not in completed.stderr
    assert "token" not in completed.stderr
    assert not (service / "dist").exists()
