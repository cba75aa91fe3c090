"""Profile a Lambda handler with cProfile and log the statistics as one JSON line.

    from fleece.profiling import profile_handler

    @profile_handler(sample=0.1, stats_filter=["/var/task/"])
    def lambda_handler(event, context):
        ...

Standard library only; cProfile is loaded on the first profiled call.
"""

from fleece.profiling._profile import (
    DEFAULT_FILTER,
    DEFAULT_LIMIT,
    DEFAULT_LOGGER,
    PROFILE_SAMPLE,
    profile_handler,
)

__all__ = [
    "DEFAULT_FILTER",
    "DEFAULT_LIMIT",
    "DEFAULT_LOGGER",
    "PROFILE_SAMPLE",
    "profile_handler",
]
