"""get_connexion_app(...).run(port): the same API served locally, called over HTTP."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start ``get_connexion_app(...).run(port)`` in a subprocess; yield its URL."""
    petstore_dir = Path(__file__).parent / "petstore"
    spec = petstore_dir / "openapi.yaml"
    port = free_port()
    script = tmp_path_factory.mktemp("server") / "serve.py"
    script.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(petstore_dir)!r})\n"
        "from fleece.connexion import get_connexion_app\n"
        f"app = get_connexion_app('petstore', {str(spec)!r})\n"
        f"app.run({port})\n"
    )
    server = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                output = server.stdout.read().decode() if server.stdout else ""
                pytest.fail(f"the server exited:\n{output}")
            try:
                requests.get(f"{url}/pets", timeout=2)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    pytest.fail("the server did not start listening")
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        if server.stdout:
            server.stdout.close()


def test_run_serves_the_api_on_the_port_given_first(served: str) -> None:
    """run(8080), as fleece 1.x users wrote it, serves the API on port 8080."""
    response = requests.get(f"{served}/pets/42", timeout=10)
    assert response.status_code == 200
    assert response.json() == {"id": 42, "name": "Rex", "tag": "dog"}
    created = requests.post(f"{served}/pets", json={"name": "Bo"}, timeout=10)
    assert created.status_code == 201
    assert f"{served}/pets/43" == created.headers["Location"]


def test_local_server_hides_exceptions_too(served: str) -> None:
    """A raising operation answers a generic 500 locally as in Lambda."""
    response = requests.get(f"{served}/boom", timeout=10)
    assert response.status_code == 500
    assert "hunter2" not in response.text
    invalid = requests.post(f"{served}/pets", json={"tag": "x"}, timeout=10)
    assert invalid.status_code == 400


def test_local_server_answers_head_like_get_without_a_body(served: str) -> None:
    """HEAD gets GET's status and headers, as the same app does in Lambda."""
    get = requests.get(f"{served}/pets/42", timeout=10)
    head = requests.head(f"{served}/pets/42", timeout=10)
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["Content-Length"] == get.headers["Content-Length"]


def test_port_given_twice_is_a_type_error(spec: Path) -> None:
    """run(8080, port=8081) is ambiguous and says so before starting anything."""
    from fleece.connexion import get_connexion_app

    app = get_connexion_app("petstore", spec)
    with pytest.raises(TypeError, match="port"):
        app.run(8080, port=8081)
