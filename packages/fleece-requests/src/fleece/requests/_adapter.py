"""An ``HTTPAdapter`` whose retries are chosen per request, not per adapter."""

from __future__ import annotations

from contextvars import ContextVar

from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

SENDING_RETRIES: ContextVar[Retry | None] = ContextVar(
    "fleece_requests_sending_retries", default=None
)
"""The ``Retry`` of the request a fleece ``Session`` is sending in this context."""


class PerRequestRetriesAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` that uses the retries of the request being sent.

    requests reads ``adapter.max_retries`` for every request; here that value
    comes from :data:`SENDING_RETRIES`, set by the session around each send, so
    one pooled adapter serves calls with different ``retries=`` (from any thread
    or task) and keeps its connections. Outside a send it behaves as requests'
    own adapter (no retries unless given ``max_retries``).
    """

    @property
    def max_retries(self) -> Retry:
        """The retries of the request being sent, else the adapter's own."""
        sending = SENDING_RETRIES.get()
        return self._own_retries if sending is None else sending

    @max_retries.setter
    def max_retries(self, value: Retry) -> None:
        self._own_retries = value
