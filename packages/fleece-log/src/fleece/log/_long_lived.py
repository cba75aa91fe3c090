"""Building what lives as long as the process without the cyclic collector's rounds.

Importing boto3 or connexion (with Flask, jsonschema and Starlette) and building a
connexion app make tens of thousands of objects that live until the process ends.
While they are made, Python's cyclic garbage collector walks them again and again:
about 60 ms of a Lambda cold start, spent finding nothing to free. In AWS Lambda,
fleece.boto3 and fleece.connexion pause the collector while they build them and then
freeze everything alive (``gc.freeze()``), so later collections skip it too: a warm
invocation's full collection walks only what came after. Objects refcounting frees
are still freed; only reference cycles that were already garbage when frozen are
kept.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator

_IN_LAMBDA = frozenset(
    {"AWS_LAMBDA_FUNCTION_NAME", "LAMBDA_TASK_ROOT", "AWS_LAMBDA_RUNTIME_API"}
)
"""Variables Lambda sets in every function's environment (any one tells)."""


@contextlib.contextmanager
def built_to_last(*, kept: bool = True) -> Iterator[None]:
    """Pause the collector, then freeze what was built (in AWS Lambda only).

    Args:
        kept: whether what is built is kept for the life of the process; when it
            is not (an app built without caching), nothing changes: frozen, its
            reference cycles would never be freed.

    Nothing changes either outside Lambda (none of ``AWS_LAMBDA_FUNCTION_NAME``,
    ``LAMBDA_TASK_ROOT`` and ``AWS_LAMBDA_RUNTIME_API`` set; Lambda sets all), when
    the collector is already disabled (by the caller, or an enclosing build), or
    when ``FLEECE_GC_FREEZE=0``.
    """
    if (
        not kept
        or not gc.isenabled()
        or not _IN_LAMBDA.intersection(os.environ)
        or os.environ.get("FLEECE_GC_FREEZE") == "0"
    ):
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()
