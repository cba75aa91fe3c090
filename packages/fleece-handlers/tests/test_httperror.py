"""fleece.httperror.HTTPError: the "NNN: Reason - message" strings of fleece 1.x."""

from __future__ import annotations

import http.server
import pickle

import pytest

from fleece.httperror import HTTPError


def test_str_is_status_and_reason_without_message() -> None:
    """A bare error reads "404: Not Found", which API Gateway matches with ^404:."""
    assert str(HTTPError(404)) == "404: Not Found"


def test_str_appends_the_message_after_a_dash() -> None:
    """The message follows the reason phrase after " - "."""
    error = HTTPError(404, "no such user")
    assert str(error) == "404: Not Found - no such user"
    assert (error.status, error.message) == (404, "no such user")


def test_default_status_is_500() -> None:
    """Without a status (or with None, as 1.x allowed) the error is a 500."""
    assert str(HTTPError()) == "500: Internal Server Error"
    assert HTTPError(None, "x").status == 500
    assert HTTPError().status_code == 500


def test_keyword_arguments_work_as_in_1x() -> None:
    """``HTTPError(status=..., message=...)`` as 1.x callers wrote it."""
    error = HTTPError(status=400, message="bad")
    assert str(error) == "400: Bad Request - bad"


@pytest.mark.parametrize(
    ("status", "text"),
    [
        (418, "418: I'm a Teapot"),
        (422, "422: Unprocessable Entity"),
        (413, "413: Request Entity Too Large"),
        (503, "503: Service Unavailable"),
        (499, "499: Client Error"),
        (599, "599: Server Error"),
    ],
)
def test_reason_phrases_are_stable_and_never_missing(status: int, text: str) -> None:
    """Known codes keep their 1.x phrases; unnamed codes still get one."""
    assert str(HTTPError(status)) == text


def test_the_standard_library_tables_are_left_alone() -> None:
    """Unlike 1.x, building errors does not add entries to http.server's table."""
    before = dict(http.server.BaseHTTPRequestHandler.responses)
    HTTPError(418)
    HTTPError(422)
    HTTPError(499)
    assert before == http.server.BaseHTTPRequestHandler.responses


@pytest.mark.parametrize("status", ["404", 404.0, True])
def test_a_status_that_is_not_an_int_is_a_type_error(status: object) -> None:
    """The error names the bad status."""
    with pytest.raises(TypeError, match="status must be an int"):
        HTTPError(status)  # type: ignore[arg-type]  # deliberately invalid


@pytest.mark.parametrize("status", [99, 600, -1])
def test_a_status_outside_100_to_599_is_a_value_error(status: int) -> None:
    """Only real HTTP status codes are accepted."""
    with pytest.raises(ValueError, match=str(status)):
        HTTPError(status)


def test_errors_survive_pickling() -> None:
    """Status and message come back after a pickle round trip."""
    pickled = pickle.dumps(HTTPError(409, "taken"))
    error = pickle.loads(pickled)  # noqa: S301 - our own bytes, from the line above
    assert str(error) == "409: Conflict - taken"


def test_it_is_an_exception_that_can_be_raised_and_caught() -> None:
    """``except HTTPError`` catches it, ``except Exception`` too."""
    with pytest.raises(Exception, match=r"^403: Forbidden$"):
        raise HTTPError(403)
