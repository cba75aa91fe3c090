"""The ``HTTPError`` exception and its ``"NNN: Reason - message"`` text."""

from __future__ import annotations

# Reason phrases that Python 3.13 renamed (RFC 9110): kept as fleece 1.x wrote them, so
# that API Gateway integration-response patterns matching them go on working.
_REASONS = {
    413: "Request Entity Too Large",
    414: "Request-URI Too Long",
    416: "Requested Range Not Satisfiable",
    422: "Unprocessable Entity",
}
"""Phrases by status: these four fixed, the others learnt from http.HTTPStatus."""


def reason_phrase(status: int) -> str:
    """Return the reason phrase of an HTTP status code.

    Args:
        status: an HTTP status code.

    Returns:
        The phrase (``"Not Found"``), or a generic one for a code without a name.
    """
    phrase = _REASONS.get(status)
    if phrase is None:
        # http (an enum of 60 members) is imported by the first status looked up.
        from http import HTTPStatus

        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            return {4: "Client Error", 5: "Server Error"}.get(status // 100, "Unknown")
        _REASONS[status] = phrase
    return phrase


class HTTPError(Exception):
    """An error with an HTTP status, e.g. ``raise HTTPError(404, "no such user")``.

    ``str()`` gives ``"404: Not Found - no such user"`` (``"404: Not Found"`` without a
    message): the ``^NNN:`` form API Gateway integration responses match on.

    Args:
        status: the HTTP status code, 100 to 599 (None, as fleece 1.x allowed,
            means 500).
        message: optional text added after the reason phrase.

    Raises:
        TypeError: ``status`` is not an integer.
        ValueError: ``status`` is not between 100 and 599.
    """

    default_status = 500

    def __init__(self, status: int | None = 500, message: str | None = None) -> None:
        if status is None:
            status = self.default_status
        if isinstance(status, bool) or not isinstance(status, int):
            raise TypeError(
                f"HTTPError status must be an int HTTP status code, got {status!r}"
            )
        if not 100 <= status <= 599:
            raise ValueError(f"HTTPError status must be 100 to 599, got {status}")
        super().__init__(int(status), message)
        self.status = int(status)
        self.message = message

    @property
    def status_code(self) -> int:
        """The status, under the name fleece 1.x used."""
        return self.status

    def __str__(self) -> str:
        text = f"{self.status}: {reason_phrase(self.status)}"
        return f"{text} - {self.message}" if self.message else text
