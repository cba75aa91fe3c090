"""fleece.boto3 against boto3: the cost of creating a client.

Run: uv run python benchmarks/boto.py

- client("s3"): nothing set, so fleece passes the call through unchanged.
- client("s3") with a default: `fleece.boto3.set_default_timeout(5)` then `client("s3")`
  vs `boto3.client("s3", config=Config(connect_timeout=5, read_timeout=5))`.
- client("s3", read_timeout=5): a per-call timeout merged into a caller's Config vs
  boto3 given the already merged Config.
- resource("dynamodb"): nothing set.

Each figure is the median over repeats of the mean time of a batch of creations,
fleece and boto3 taking turns on boto3's default session (whose loaders cache
service models after the first client, as in a warm Lambda). No network is used.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from _report import medians_in_turns, print_table, row

BATCH = 12
REPEATS = 9

os.environ.update(
    {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
)
os.environ.pop("AWS_PROFILE", None)

import boto3  # noqa: E402 - after the environment above is in place
from botocore.config import Config  # noqa: E402 - after the environment above is in place

from fleece import boto3 as fleece_boto3  # noqa: E402 - after the environment above is in place


def mean_seconds(make: Callable[[], object]) -> float:
    start = time.perf_counter()
    for _ in range(BATCH):
        make()
    return (time.perf_counter() - start) / BATCH


def compare(
    fleece_make: Callable[[], object],
    peer_make: Callable[[], object],
    setup: Callable[[], None] = lambda: None,
    teardown: Callable[[], None] = lambda: None,
) -> tuple[float, float]:
    """Median per-creation seconds for each, the two taking turns.

    ``setup`` runs before each fleece batch and ``teardown`` after it.
    """

    def fleece_batch() -> float:
        setup()
        try:
            return mean_seconds(fleece_make)
        finally:
            teardown()

    fleece_make()
    peer_make()
    fleece, peer = medians_in_turns(
        [fleece_batch, lambda: mean_seconds(peer_make)], REPEATS
    )
    return fleece, peer


def main() -> None:
    caller_config = Config(retries={"mode": "standard"})
    merged_config = Config(retries={"mode": "standard"}, read_timeout=5)
    default_config = Config(connect_timeout=5, read_timeout=5)
    rows = [
        (
            'client("s3") [ms]',
            *compare(lambda: fleece_boto3.client("s3"), lambda: boto3.client("s3")),
        ),
        (
            'client("s3"), default set [ms]',
            *compare(
                lambda: fleece_boto3.client("s3"),
                lambda: boto3.client("s3", config=default_config),
                setup=lambda: fleece_boto3.set_default_timeout(5),
                teardown=fleece_boto3.set_default_timeout,
            ),
        ),
        (
            'client("s3", read_timeout=5) [ms]',
            *compare(
                lambda: fleece_boto3.client("s3", config=caller_config, read_timeout=5),
                lambda: boto3.client("s3", config=merged_config),
            ),
        ),
        (
            'resource("dynamodb") [ms]',
            *compare(
                lambda: fleece_boto3.resource("dynamodb"),
                lambda: boto3.resource("dynamodb"),
            ),
        ),
    ]
    print("fleece.boto3 vs boto3 (peer)")
    print_table(
        [row(metric, fleece * 1e3, peer * 1e3) for metric, fleece, peer in rows]
    )


if __name__ == "__main__":
    main()
