"""Invocation context: seen by every logger, kept apart per thread and task."""

from __future__ import annotations

import asyncio
import logging
import threading

from fleece import log


def test_bound_context_is_on_every_logger_until_unbound(stream, logger_name):
    """bind_context reaches fleece and stdlib loggers; unbind/clear remove keys."""
    fleece_logger = log.get_logger(logger_name, stream=stream)
    log.bind_context(request_id="r-1", user="ann")

    fleece_logger.info("fleece")
    logging.getLogger(logger_name + ".stdlib").info("stdlib")
    log.unbind_context("user", "never-bound")
    fleece_logger.info("after unbind")
    log.clear_context()
    fleece_logger.info("after clear")

    assert [
        (line["event"], line.get("request_id"), line.get("user"))
        for line in stream.parsed()
    ] == [
        ("fleece", "r-1", "ann"),
        ("stdlib", "r-1", "ann"),
        ("after unbind", "r-1", None),
        ("after clear", None, None),
    ]


def test_threads_keep_their_own_context(stream, logger_name):
    """Each thread sees only what it bound itself."""
    logger = log.get_logger(logger_name, stream=stream)
    log.bind_context(thread="main")
    barrier = threading.Barrier(4)

    def work(number: int) -> None:
        log.bind_context(thread=number)
        barrier.wait(timeout=10)
        logger.info("in thread", expected=number)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    logger.info("in main", expected="main")

    lines = stream.parsed()
    assert len(lines) == 5
    assert all(line["thread"] == line["expected"] for line in lines)


def test_asyncio_tasks_keep_their_own_context(stream, logger_name):
    """Concurrent tasks bind different values and each logs its own."""
    logger = log.get_logger(logger_name, stream=stream)

    async def handle(number: int, started: asyncio.Event) -> None:
        log.bind_context(task=number)
        await started.wait()
        logger.info("in task", expected=number)

    async def main() -> None:
        started = asyncio.Event()
        tasks = [asyncio.create_task(handle(n, started)) for n in range(5)]
        await asyncio.sleep(0)
        started.set()
        await asyncio.gather(*tasks)
        logger.info("after tasks")

    asyncio.run(main())

    lines = [line for line in stream.parsed() if line["logger"] == logger_name]
    assert sorted(line["task"] for line in lines[:5]) == [0, 1, 2, 3, 4]
    assert all(line["task"] == line["expected"] for line in lines[:5])
    assert "task" not in lines[5]
