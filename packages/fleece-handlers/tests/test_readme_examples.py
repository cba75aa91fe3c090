"""The README's examples run as written, and their handlers answer real events."""

from __future__ import annotations

import re
import runpy
from pathlib import Path
from typing import Any

from fleece.testing import apigw_v1_event, function_url_event

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def _run(block: str, tmp_path: Path) -> dict[str, Any]:
    script = tmp_path / "example.py"
    script.write_text(block)
    return runpy.run_path(str(script), run_name="readme_example")


def test_readme_has_the_flask_fastapi_and_testing_examples() -> None:
    """Three examples: Flask, FastAPI, and a test with fleece-testing's builders."""
    assert len(BLOCKS) == 3


def test_flask_example_answers_a_rest_v1_event(tmp_path: Path) -> None:
    """The Flask handler answers /pets/3?tag=a&tag=b with both tags."""
    handler = _run(BLOCKS[0], tmp_path)["handler"]

    answer = handler(apigw_v1_event("GET", "/pets/3", query={"tag": ["a", "b"]}), None)

    assert answer["statusCode"] == 200
    assert answer["body"].strip() == '{"id":3,"tags":["a","b"]}'


def test_fastapi_example_shares_its_lifespan_state(tmp_path: Path) -> None:
    """The FastAPI handler answers with what its lifespan yielded."""
    handler = _run(BLOCKS[1], tmp_path)["handler"]

    answer = handler(function_url_event("GET", "/pets/3"), None)
    handler.shutdown()

    assert answer["body"] == '{"id":3,"db":"connected once per process"}'


def test_testing_example_runs_its_assertions(tmp_path: Path) -> None:
    """The test example's own asserts hold (runpy raises if one fails)."""
    assert "handler" in _run(BLOCKS[2], tmp_path)
