"""Test helpers for AWS Lambda code.

Lambda context and event fakes, an X-Ray daemon listener, a scripted local HTTP
server, moto's standalone server, and a pytest plugin with the fixtures
``lambda_context``, ``xray_daemon``, ``moto_server``, ``moto_env`` and ``http_server``.
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
from fleece.testing._moto import MotoNotInstalledError, MotoServer
from fleece.testing._otlp_collector import (
    OTLPCollector,
    OTLPNotInstalledError,
    ReceivedSpan,
)
from fleece.testing._xray_daemon import XRayDaemon

__all__ = [
    "SAMPLE_EVENTS",
    "Answer",
    "LambdaContext",
    "LambdaEvent",
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
    "modules_added_by",
    "modules_imported_by",
    "request_template_event",
    "sample_event",
]
