"""What the benchmark scripts share: medians measured in turns, and the result table.

Each script imports this as ``_report``: a script's own folder comes first on
``sys.path`` when it runs as ``python benchmarks/<area>.py``.
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

T = TypeVar("T")


def take_turns(
    measures: Sequence[Callable[[], T]], repeats: int, *, rotate: bool = False
) -> list[list[T]]:
    """Each measure's results over ``repeats`` rounds, the measures taking turns.

    Taking turns within every round keeps a change in the machine's load from
    favouring whichever ran first. ``rotate`` starts each round one measure further
    on, so that no measure always runs first, or always right after the same one.
    """
    results: list[list[T]] = [[] for _ in measures]
    for round_number in range(repeats):
        start = round_number % len(measures) if rotate and measures else 0
        for index in [*range(start, len(measures)), *range(start)]:
            results[index].append(measures[index]())
    return results


def medians_in_turns(
    measures: Sequence[Callable[[], float]], repeats: int
) -> list[float]:
    """The median of each measure's results over rounds in which they take turns."""
    return [statistics.median(values) for values in take_turns(measures, repeats)]


def bytecode_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """``env`` (default: this process's) allowing child interpreters to write bytecode.

    A warm-up run then leaves the .pyc files an installed package has, for the timed
    runs to use: otherwise the workspace's editable packages would be compiled again
    in every run, and compared with peers installed with their bytecode.
    """
    source = os.environ if env is None else env
    return {k: v for k, v in source.items() if k != "PYTHONDONTWRITEBYTECODE"}


def overheads(
    measures: Sequence[Callable[[], float]], baseline: Callable[[], float], repeats: int
) -> list[float]:
    """Each measure's median minus the baseline's (0 at the least), in turns.

    Every measure runs once first, to warm the file system cache and .pyc files.
    """
    for measure in measures:
        measure()
    base, *medians = medians_in_turns([baseline, *measures], repeats)
    return [max(0.0, median - base) for median in medians]


def ratio(fleece: float, peer: float) -> str:
    """``fleece / peer`` to two decimals; ``n/a`` when the peer measured 0."""
    return f"{fleece / peer:.2f}" if peer else "n/a"


def row(
    metric: str, fleece: float, peer: float, number: str = "{:.2f}"
) -> tuple[str, str, str, str]:
    """A table row: both values formatted with ``number``, and their ratio."""
    return (metric, number.format(fleece), number.format(peer), ratio(fleece, peer))


def print_table(rows: Sequence[tuple[str, str, str, str]]) -> None:
    """Print ``metric | fleece | peer | ratio`` rows, each column as wide as needed."""
    table: list[Sequence[str]] = [("metric", "fleece", "peer", "ratio"), *rows]
    widths = [max(len(row[column]) for row in table) for column in range(4)]
    table.insert(1, ["-" * width for width in widths])
    for row in table:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print(" | ".join(cells).rstrip())
