"""The documented examples run as written, pointed at a local server."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from fleece.testing import ScriptedHTTPServer

# fleece 1.x's README, "requests wrappers", verbatim but for the elided URLs.
FLEECE_1_EXAMPLE = """
from fleece import requests

# 15 second timeout
requests.set_default_timeout(15)

# 5 retries with exponential backoff, also retry 429 and 503 responses
requests.set_default_retries(total=5, backoff_factor=1,
                             status_forcelist=[429, 503])

# the defaults above apply to any regular requests, no need to make
# changes to existing code.
r = requests.get('https://...')

# a request can override the defaults if desired
r = requests.put('https://...', timeout=25, retries=2)

# sessions are also supported
with requests.Session() as session:
    session.get('https://...')
"""

README = Path(__file__).parent.parent / "README.md"


def test_the_fleece_1_readme_example_runs_unchanged(
    http_server: ScriptedHTTPServer,
) -> None:
    """The 1.x example: defaults installed, a 503 and a 429 retried, a session."""
    http_server.enqueue(503)
    http_server.enqueue(200)
    http_server.enqueue(429)
    code = FLEECE_1_EXAMPLE.replace("https://...", http_server.url_for("/thing"))

    namespace: dict[str, object] = {}
    exec(code, namespace)  # noqa: S102 - running the documented example

    assert [r.method for r in http_server.requests] == [
        "GET",
        "GET",
        "PUT",
        "PUT",
        "GET",
    ]
    assert getattr(namespace["r"], "status_code", None) == 200


def test_the_readme_example_runs_as_written(http_server: ScriptedHTTPServer) -> None:
    """This distribution's README example runs against a local server."""
    (block,) = re.findall(r"```python\n(.*?)```", README.read_text(), re.DOTALL)
    code = textwrap.dedent(block).replace("https://api.example.com", http_server.url)

    exec(code, {})  # noqa: S102 - running the documented example

    assert [(r.method, r.path) for r in http_server.requests] == [
        ("GET", "/users"),
        ("PUT", "/users/7"),
        ("GET", "/health"),
    ]
    assert http_server.requests[1].json() == {"name": "Ada"}
