"""The connexion ``FlaskApp`` fleece builds: errors logged, no internals leaked."""

from __future__ import annotations

import importlib.util
import os
import warnings
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fleece.connexion._deferred_imports import deferred_heavy_imports
from fleece.connexion._logging import Logger, current_logger, default_logger
from fleece.connexion._serve import serve_event
from fleece.connexion._server import import_uvicorn
from fleece.connexion._spec import read_specification
from fleece.connexion._wsgi import InlineWSGIBridge
from fleece.handlers._asgi import Message
from fleece.handlers._events import INTERNAL_ERROR

with warnings.catch_warnings(), deferred_heavy_imports():
    # connexion imports jsonschema's deprecated RefResolver names, a warning its
    # users cannot act on.
    warnings.filterwarnings(
        "ignore", category=DeprecationWarning, module=r"connexion\."
    )
    import connexion
    from connexion.exceptions import NonConformingResponse
    from connexion.lifecycle import ConnexionRequest, ConnexionResponse
    from connexion.options import SwaggerUIOptions
    from connexion.problem import problem

CONTRACT_VIOLATION = "Response body does not conform to specification"
_REQUEST_PARSING = ("connexion.validators.", "connexion.uri_parsing")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class FleeceApp(connexion.FlaskApp):  # type: ignore[misc]  # connexion is untyped
    """A connexion ``FlaskApp`` that logs errors through a fleece logger.

    An exception in an operation is logged with its traceback and answered with a
    generic 500; a response that breaks the API's contract is logged with the
    validator's message and answered with a 500 that leaves it out.

    Args:
        import_name: the application's name.
        logger: where errors are logged when no call-specific logger is set.
        **kwargs: passed to ``connexion.FlaskApp``.
    """

    def __init__(
        self, import_name: str, *, logger: Logger | None = None, **kwargs: Any
    ) -> None:
        super().__init__(import_name, **kwargs)
        self.logger = logger
        self.prepared = False
        self._head_as_get: bool | None = None
        # The ASGI-to-WSGI bridge is a private part of FlaskApp; should a connexion
        # release move it, requests just keep going through connexion's own bridge.
        bridged = getattr(self, "_middleware_app", None)
        if bridged is not None and hasattr(bridged, "asgi_app"):
            bridged.asgi_app = InlineWSGIBridge(bridged.asgi_app)
        self.add_error_handler(NonConformingResponse, self._contract_violation)
        self.add_error_handler(Exception, self._unhandled_exception)

    def run(self, import_string: str | int | None = None, **kwargs: Any) -> None:
        """Serve the app locally with uvicorn: ``app.run(8080)`` as in fleece 1.x.

        Args:
            import_string: a port number (as fleece 1.x callers pass it), or an
                import string such as ``"main:app"`` (connexion's meaning).
            **kwargs: passed to ``uvicorn.run`` (``host``, ``port``, ``log_level``,
                ...); ``debug=True`` is taken as ``log_level="debug"``.

        Raises:
            TypeError: the port is given both positionally and as ``port=``.
            ImportError: uvicorn is not installed (``fleece-connexion[server]``).
        """
        uvicorn = import_uvicorn()
        if isinstance(import_string, str) and import_string.isdigit():
            import_string = int(import_string)
        if isinstance(import_string, int) and not isinstance(import_string, bool):
            if "port" in kwargs:
                raise TypeError("run() got the port both positionally and as port=")
            kwargs["port"] = import_string
            import_string = None
        if kwargs.pop("debug", False):
            kwargs.setdefault("log_level", "debug")
        if import_string is None:
            # connexion would hand uvicorn its middleware, bypassing this app's
            # __call__ and so its HEAD handling: serve the app itself instead.
            uvicorn.run(self, **kwargs)
            return
        super().run(import_string, **kwargs)

    def call_api(self, event: Any) -> Any:
        """Answer one Lambda event, as :func:`fleece.connexion.call_api` does.

        Raises:
            HTTPError: as :func:`fleece.connexion.call_api` raises it.
        """
        if not self.prepared:
            self.prepare()
        return serve_event(self, event, self.logger, proxy=False)

    def call_proxy_api(self, event: Any) -> dict[str, Any]:
        """Answer one Lambda event with a proxy response dict, as 1.x's app did."""
        if not self.prepared:
            self.prepare()
        answer: dict[str, Any] = serve_event(self, event, self.logger, proxy=True)
        return answer

    def prepare(self) -> None:
        """Build the middleware stack now rather than on the first request.

        connexion builds it on the first request, and a failure there (an operation
        that cannot be imported, say) leaves it half-built for good; building it up
        front lets the caller see that error and drop the app.
        """
        middleware = self.middleware
        build = getattr(middleware, "_build_middleware_stack", None)
        if build is not None and middleware.middleware_stack is None:
            middleware.app, middleware.middleware_stack = build()
        self.prepared = True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI request; HEAD is served as the GET it stands for.

        connexion checks the empty body of a HEAD answer against the GET
        operation's response schema and answers 500. So, unless the document has
        HEAD operations of its own, a HEAD request runs as GET and its body is
        dropped, as RFC 9110 defines HEAD.
        """
        if scope["type"] == "http" and scope["method"] == "HEAD":
            if self._head_as_get is None:
                self._head_as_get = not self._has_head_operations()
            if self._head_as_get:
                scope = {**scope, "method": "GET"}
                send = _without_body(send)
        await super().__call__(scope, receive, send)

    def _has_head_operations(self) -> bool:
        try:
            return any(
                "head" in path_item
                for api in self.middleware.apis
                for path_item in api.specification["paths"].values()
            )
        except (AttributeError, KeyError, TypeError):
            return True

    def _logger(self) -> Logger:
        return current_logger.get() or self.logger or default_logger()

    async def _contract_violation(
        self, request: ConnexionRequest, exc: NonConformingResponse
    ) -> ConnexionResponse:
        self._logger().error(
            "response to %s %s does not conform to the API specification: %s",
            request.method,
            request.scope["path"],
            exc.detail,
        )
        return problem(500, "Internal Server Error", CONTRACT_VIOLATION)

    async def _unhandled_exception(
        self, request: ConnexionRequest, exc: Exception
    ) -> ConnexionResponse:
        unreadable = _unreadable_request(exc)
        if unreadable is not None:
            self._logger().warning(
                "unreadable request %s %s: %s",
                request.method,
                request.scope["path"],
                unreadable,
            )
            return problem(400, "Bad Request", unreadable)
        self._logger().exception(
            "unhandled exception serving %s %s", request.method, request.scope["path"]
        )
        return problem(500, "Internal Server Error", INTERNAL_ERROR)


def _without_body(send: Send) -> Send:
    """Wrap an ASGI ``send`` so that response bodies go out empty."""

    async def send_headers_only(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return send_headers_only


def _unreadable_request(exc: Exception) -> str | None:
    """Say what is wrong with the request when connexion failed to read it.

    Exceptions that connexion's request parsing lets through (bytes that are not
    text in the declared charset, an unknown charset, JSON nested beyond Python's
    recursion limit) are the client's doing. Operations are never called from there,
    so an exception from user code is never mistaken for one.

    Returns:
        The detail for a 400 answer, or None when ``exc`` is not such an error.
    """
    if not isinstance(exc, ValueError | LookupError | RecursionError):
        return None
    traceback = exc.__traceback__
    while traceback is not None:
        module = traceback.tb_frame.f_globals.get("__name__")
        if isinstance(module, str) and module.startswith(_REQUEST_PARSING):
            break
        traceback = traceback.tb_next
    else:
        return None
    if isinstance(exc, UnicodeDecodeError):
        return f"The request body cannot be decoded: {exc.reason}."
    if isinstance(exc, RecursionError):
        return "The request body is nested too deeply."
    if type(exc) is LookupError:
        return f"The request body cannot be decoded: {exc}."
    return "The request cannot be read."


def build_app(
    app_name: str,
    spec_path: str,
    *,
    strict_validation: bool,
    validate_responses: bool,
    logger: Logger | None,
) -> FleeceApp:
    """Build the app serving the OpenAPI document at ``spec_path`` (absolute).

    Args:
        app_name: the application's name.
        spec_path: absolute path of the OpenAPI 2 or 3 document.
        strict_validation: reject query/form parameters the document does not name.
        validate_responses: check responses against the document.
        logger: where errors are logged by default.

    Returns:
        The app.
    """
    directory, file_name = os.path.split(spec_path)
    app = FleeceApp(app_name, specification_dir=directory, logger=logger)
    options = {}
    if importlib.util.find_spec("swagger_ui_bundle") is None:
        # Without connexion[swagger-ui] there is no UI to serve; saying so is what
        # connexion would otherwise log as a warning on every cold start.
        options["swagger_ui_options"] = SwaggerUIOptions(swagger_ui=False)
    document = read_specification(spec_path)
    app.add_api(
        document if document is not None else file_name,
        strict_validation=strict_validation,
        validate_responses=validate_responses,
        **options,
    )
    return app
