"""Test helpers for AWS Lambda code.

Lambda context and event fakes, an X-Ray daemon listener, a scripted local HTTP
server, moto's standalone server, a local Lambda runtime that runs a built zip under
AWS's runtime interface client, and a pytest plugin with the fixtures
``lambda_context``, ``xray_daemon``, ``moto_server``, ``moto_env``, ``http_server``,
``otlp_collector`` and ``lambda_runtime``.
"""

from fleece.testing._context import LambdaContext
from fleece.testing._events import (
    SAMPLE_EVENTS,
    LambdaEvent,
    alb_event,
    apigw_v1_event,
    apigw_v2_event,
    function_url_event,
    request_template_event,
    sample_event,
)
from fleece.testing._http_server import Answer, RecordedRequest, ScriptedHTTPServer
from fleece.testing._imports import modules_added_by, modules_imported_by
from fleece.testing._lambda_runtime import Invocation, LambdaRuntime, new_trace_header
from fleece.testing._moto import MotoNotInstalledError, MotoServer
from fleece.testing._otlp_collector import (
    OTLPCollector,
    OTLPNotInstalledError,
    ReceivedSpan,
)
from fleece.testing._task_root import (
    LambdaRuntimeNotInstalledError,
    lambda_runtime_packages,
    unpack_read_only,
)
from fleece.testing._xray_daemon import XRayDaemon

__all__ = [
    "SAMPLE_EVENTS",
    "Answer",
    "Invocation",
    "LambdaContext",
    "LambdaEvent",
    "LambdaRuntime",
    "LambdaRuntimeNotInstalledError",
    "MotoNotInstalledError",
    "MotoServer",
    "OTLPCollector",
    "OTLPNotInstalledError",
    "ReceivedSpan",
    "RecordedRequest",
    "ScriptedHTTPServer",
    "XRayDaemon",
    "alb_event",
    "apigw_v1_event",
    "apigw_v2_event",
    "function_url_event",
    "lambda_runtime_packages",
    "modules_added_by",
    "modules_imported_by",
    "new_trace_header",
    "request_template_event",
    "sample_event",
    "unpack_read_only",
]
