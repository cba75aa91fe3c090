"""trace_xray_subsegment, seen from the X-Ray daemon's side of the UDP socket."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest

from fleece.testing import XRayDaemon
from fleece.xray import trace_xray_subsegment

NESTED = """
    import json
    from fleece.xray import trace_xray_subsegment

    @trace_xray_subsegment()
    def handler(event, context):
        return {"user": get_user(event["id"], verbose=True)}

    @trace_xray_subsegment
    def get_user(user_id, verbose=False):
        return load(user_id)

    @trace_xray_subsegment(name="db-load")
    def load(user_id):
        return "alice"

    print(json.dumps(handler({"id": 7}, None)))
"""


def test_nested_calls_become_nested_subsegments_of_the_lambda_segment(
    scenarios: Any, xray_daemon: XRayDaemon
) -> None:
    """Each decorated call is one datagram, parented by its caller's subsegment."""
    outcome = scenarios.run(NESTED, scenarios.lambda_env(xray_daemon), xray_daemon)

    assert (
        outcome.returncode,
        outcome.stderr,
        outcome.result(),
    ) == (0, "", {"user": "alice"})
    handler, get_user, load = (
        outcome.one(n) for n in ("handler", "get_user", "db-load")
    )
    assert [load, get_user, handler] == outcome.documents
    assert handler["parent_id"] == scenarios.LAMBDA_PARENT
    assert get_user["parent_id"] == handler["id"]
    assert load["parent_id"] == get_user["id"]
    for document in outcome.documents:
        assert document["trace_id"] == scenarios.TRACE_ROOT
        assert document["type"] == "subsegment"
        assert document["namespace"] == "local"
        assert document["start_time"] <= document["end_time"]
        assert document["in_progress"] is False
        assert len({handler["id"], get_user["id"], load["id"]}) == 3


def test_arguments_are_recorded_as_reprs_in_default_metadata(
    scenarios: Any, xray_daemon: XRayDaemon
) -> None:
    """args and kwargs are repr'd; skip_args leaves them out."""
    outcome = scenarios.run(NESTED, scenarios.lambda_env(xray_daemon), xray_daemon)

    assert outcome.one("handler")["metadata"]["default"] == {
        "args": ["{'id': 7}", "None"],
        "kwargs": {},
    }
    assert outcome.one("get_user")["metadata"]["default"] == {
        "args": ["7"],
        "kwargs": {"verbose": "True"},
    }


def test_skip_args_records_no_arguments(
    scenarios: Any, xray_daemon: XRayDaemon
) -> None:
    """With skip_args=True a password never reaches X-Ray."""
    code = """
        from fleece.xray import trace_xray_subsegment

        @trace_xray_subsegment(skip_args=True)
        def login(user, password):
            return user

        print(login("bob", password="hunter2"))
    """
    outcome = scenarios.run(code, scenarios.lambda_env(xray_daemon), xray_daemon)

    (document,) = outcome.documents
    assert (document["name"], outcome.stdout.strip()) == ("login", "bob")
    assert "metadata" not in document
    assert b"hunter2" not in b"".join(xray_daemon.datagrams)


def test_each_argument_is_cut_to_one_kib_and_the_datagram_stays_small(
    scenarios: Any, xray_daemon: XRayDaemon
) -> None:
    """A huge argument is cut to 1 KiB; many of them keep the datagram < 64 KiB."""
    code = """
        from fleece.xray import trace_xray_subsegment

        @trace_xray_subsegment
        def store(*blobs, **named):
            return len(blobs)

        print(store(*["x" * 100_000] * 200, key="é" * 5000, emoji="😀" * 5000))
    """
    outcome = scenarios.run(code, scenarios.lambda_env(xray_daemon), xray_daemon)

    (document,) = outcome.documents
    datagram = xray_daemon.datagrams[0]  # the last one is the end marker
    metadata = document["metadata"]["default"]
    recorded = [*metadata["args"], *metadata["kwargs"].values()]
    assert outcome.stdout.strip() == "200"
    assert len(datagram) < 64 * 1024
    assert metadata["args"][0] == "'" + "x" * 1020 + "..."
    assert all(len(value.encode()) <= 1024 for value in recorded)
    assert metadata["args"][-1].endswith("more omitted>")


def test_methods_are_named_after_the_method_and_leave_self_out(
    scenarios: Any, xray_daemon: XRayDaemon
) -> None:
    """Instance, class and static methods are traced; self/cls are not arguments."""
    code = """
        from fleece.xray import trace_xray_subsegment

        class Users:
            @trace_xray_subsegment
            def get(self, user_id):
                return self.build(user_id)

            @trace_xray_subsegment()
            @classmethod
            def build(cls, user_id):
                return cls.label(user_id)

            @staticmethod
            @trace_xray_subsegment
            def label(user_id):
                return f"user-{user_id}"

        print(Users().get(3))
    """
    outcome = scenarios.run(code, scenarios.lambda_env(xray_daemon), xray_daemon)

    assert outcome.stdout.strip() == "user-3"
    get, build, label = (outcome.one(n) for n in ("get", "build", "label"))
    assert [doc["metadata"]["default"]["args"] for doc in (get, build, label)] == [
        ["3"],
        ["3"],
        ["3"],
    ]
    assert (build["parent_id"], label["parent_id"]) == (get["id"], build["id"])


def test_exception_is_recorded_as_fault_and_reraised_unchanged(
    scenarios: Any, xray_daemon: XRayDaemon
) -> None:
    """The caller gets the very exception raised; both subsegments are faults."""
    code = """
        import json
        from fleece.xray import trace_xray_subsegment

        class PaymentDeclined(Exception):
            status = 402

        ERROR = PaymentDeclined("card 4242 declined")

        @trace_xray_subsegment
        def handler():
            return charge()

        @trace_xray_subsegment
        def charge():
            raise ERROR

        try:
            handler()
        except PaymentDeclined as caught:
            print(json.dumps([caught is ERROR, caught.status, type(caught).__name__]))
    """
    outcome = scenarios.run(code, scenarios.lambda_env(xray_daemon), xray_daemon)

    assert (outcome.result(), outcome.stderr) == ([True, 402, "PaymentDeclined"], "")
    handler, charge = outcome.one("handler"), outcome.one("charge")
    assert handler["fault"] is charge["fault"] is True
    (exception,) = charge["cause"]["exceptions"]
    assert (
        exception["type"],
        exception["message"],
    ) == ("PaymentDeclined", "card 4242 declined")
    assert "charge" in [frame["label"] for frame in exception["stack"]]
    # X-Ray links the caller's fault to the exception already recorded below it.
    assert handler["cause"] == exception["id"]


def test_concurrent_coroutines_nest_under_their_own_callers(
    scenarios: Any, xray_daemon: XRayDaemon
) -> None:
    """asyncio.gather of traced coroutines: each child nests under its own parent."""
    code = """
        import asyncio
        import json
        from fleece.xray import trace_xray_subsegment

        @trace_xray_subsegment
        async def fetch(n):
            await asyncio.sleep(0.01 * (3 - n))
            return await parse(n)

        @trace_xray_subsegment
        async def parse(n):
            await asyncio.sleep(0)
            if n == 2:
                raise KeyError(n)
            return n * 10

        @trace_xray_subsegment
        async def handler():
            return await asyncio.gather(fetch(1), fetch(2), fetch(3),
                                        return_exceptions=True)

        print(json.dumps([repr(r) for r in asyncio.run(handler())]))
    """
    outcome = scenarios.run(code, scenarios.lambda_env(xray_daemon), xray_daemon)

    assert (outcome.result(), outcome.stderr) == (["10", "KeyError(2)", "30"], "")
    handler = outcome.one("handler")
    fetches = {
        doc["metadata"]["default"]["args"][0]: doc for doc in outcome.named("fetch")
    }
    parses = {
        doc["metadata"]["default"]["args"][0]: doc for doc in outcome.named("parse")
    }
    assert handler["parent_id"] == scenarios.LAMBDA_PARENT
    for n in ("1", "2", "3"):
        assert fetches[n]["parent_id"] == handler["id"]
        assert parses[n]["parent_id"] == fetches[n]["id"]
    assert parses["2"]["fault"] is True
    assert "fault" not in parses["1"]


def test_decorated_functions_keep_their_identity(
    xray_daemon: XRayDaemon, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Name, docstring, signature and coroutine-ness survive decoration."""

    async def fetch(url: str, *, retries: int = 2) -> str:
        """Fetch it."""
        return url

    def compute(x: int) -> int:
        """Compute it."""
        return x * 2

    traced_fetch = trace_xray_subsegment(fetch)
    traced_compute = trace_xray_subsegment(skip_args=True)(compute)

    assert (traced_fetch.__name__, traced_fetch.__doc__) == ("fetch", "Fetch it.")
    assert inspect.signature(traced_fetch) == inspect.signature(fetch)
    assert inspect.iscoroutinefunction(traced_fetch)
    assert traced_compute.__wrapped__ is compute  # type: ignore[attr-defined]  # set by functools.wraps
    assert asyncio.run(traced_fetch("u")) == "u"
    assert traced_compute(4) == 8


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({"name": 5}, "must be a string"),
        ({"name": "()<>"}, "no usable subsegment name"),
    ],
)
def test_bad_decorator_arguments_are_refused_when_decorating(
    arguments: dict[str, Any], error: str
) -> None:
    """A wrong name fails at decoration time with a message saying what is wrong."""
    with pytest.raises((TypeError, ValueError), match=error):
        trace_xray_subsegment(**arguments)


def test_decorating_something_not_callable_is_a_type_error() -> None:
    """trace_xray_subsegment()(42) names what it got."""
    with pytest.raises(TypeError, match="not int 42"):
        trace_xray_subsegment()(42)


def test_each_invocation_is_traced_under_its_own_trace_header(
    scenarios: Any, xray_daemon: XRayDaemon
) -> None:
    """A warm Lambda process: the runtime sets a new header per invocation."""
    code = """
        import os
        from fleece.xray import trace_xray_subsegment

        @trace_xray_subsegment
        def handler(n):
            return n

        for header in [
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=1111111111111111;Sampled=1",
            "Root=1-5759e989-bd862e3fe1be46a994272794;Parent=2222222222222222;Sampled=0",
            "Root=1-5759e98a-bd862e3fe1be46a994272795;Parent=3333333333333333;Sampled=1",
        ]:
            os.environ["_X_AMZN_TRACE_ID"] = header
            handler(header[-1])
    """
    outcome = scenarios.run(code, scenarios.lambda_env(xray_daemon), xray_daemon)

    assert (outcome.returncode, outcome.stderr) == (0, "")
    assert [(doc["trace_id"], doc["parent_id"]) for doc in outcome.documents] == [
        ("1-5759e988-bd862e3fe1be46a994272793", "1111111111111111"),
        ("1-5759e98a-bd862e3fe1be46a994272795", "3333333333333333"),
    ]


def test_outside_lambda_calls_nest_in_a_segment_the_application_opened(
    scenarios: Any, xray_daemon: XRayDaemon
) -> None:
    """With the SDK's own segment open (e.g. a web framework middleware)."""
    code = """
        from aws_xray_sdk.core import xray_recorder
        from fleece.xray import put_annotation, trace_xray_subsegment

        @trace_xray_subsegment
        def work(n):
            put_annotation("n", n)
            return n

        with xray_recorder.in_segment("my-service"):
            work(1)
        print(work(2))  # no segment open any more: not traced, no error
    """
    env = {"AWS_XRAY_DAEMON_ADDRESS": xray_daemon.address}
    outcome = scenarios.run(code, env, xray_daemon)

    assert (outcome.returncode, outcome.stderr, outcome.stdout) == (0, "", "2\n")
    (segment,) = outcome.documents
    (work,) = segment["subsegments"]
    assert (segment["name"], work["name"], work["annotations"]) == (
        "my-service",
        "work",
        {"n": 1},
    )
    assert work["parent_id"] == segment["id"]


def test_coroutine_exceptions_and_cancellation_close_the_subsegment(
    scenarios: Any, xray_daemon: XRayDaemon
) -> None:
    """An async exception is a fault and propagates; a cancelled call is not one."""
    code = """
        import asyncio
        from fleece.xray import trace_xray_subsegment

        @trace_xray_subsegment
        async def broken():
            await asyncio.sleep(0)
            raise RuntimeError("x" * 100_000)

        @trace_xray_subsegment
        async def slow():
            await asyncio.sleep(60)

        async def main():
            try:
                await broken()
            except RuntimeError as error:
                print(len(str(error)))
            task = asyncio.ensure_future(slow())
            await asyncio.sleep(0.01)
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                print("cancelled")

        asyncio.run(main())
    """
    outcome = scenarios.run(code, scenarios.lambda_env(xray_daemon), xray_daemon)

    assert (outcome.returncode, outcome.stderr) == (0, "")
    assert outcome.stdout.split() == ["100000", "cancelled"]
    broken, slow = outcome.one("broken"), outcome.one("slow")
    assert broken["fault"] is True
    (exception,) = broken["cause"]["exceptions"]
    assert exception["type"] == "RuntimeError"
    assert len(exception["message"].encode()) <= 1024
    assert "fault" not in slow
    assert slow["in_progress"] is False


def test_untraced_tasks_of_a_traced_coroutine_report_to_it(
    scenarios: Any, xray_daemon: XRayDaemon
) -> None:
    """Plain coroutines gathered by a traced one: their traced calls and annotations
    land under the traced coroutine, not on Lambda's segment."""
    code = """
        import asyncio
        from fleece.xray import put_annotation, trace_xray_subsegment

        @trace_xray_subsegment
        def lookup(n):
            return n

        async def plain(n):
            await asyncio.sleep(0)
            put_annotation(f"seen_{n}", True)
            return lookup(n)

        @trace_xray_subsegment
        async def handler():
            return await asyncio.gather(plain(1), plain(2))

        print(asyncio.run(handler()))
    """
    outcome = scenarios.run(code, scenarios.lambda_env(xray_daemon), xray_daemon)

    assert (outcome.returncode, outcome.stderr, outcome.stdout) == (0, "", "[1, 2]\n")
    handler = outcome.one("handler")
    assert [doc["parent_id"] for doc in outcome.named("lookup")] == [handler["id"]] * 2
    assert handler["annotations"] == {"seen_1": True, "seen_2": True}
