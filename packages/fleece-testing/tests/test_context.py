import time

from fleece.testing import LambdaContext


def test_context_has_the_attributes_lambda_gives_a_handler():
    """The fake carries the names, ARN, memory and log targets of a real context."""
    context = LambdaContext(function_name="orders", memory_limit_in_mb=512)

    assert context.function_name == "orders"
    assert context.function_version == "$LATEST"
    assert context.memory_limit_in_mb == 512
    assert context.invoked_function_arn == (
        "arn:aws:lambda:us-east-1:123456789012:function:orders"
    )
    assert context.log_group_name == "/aws/lambda/orders"
    assert "[$LATEST]" in context.log_stream_name
    assert len(context.aws_request_id) == 36
    assert context.identity is None
    assert context.client_context is None


def test_each_context_gets_its_own_request_id_unless_given_one():
    """Request ids are unique per context, and a given one is kept."""
    assert LambdaContext().aws_request_id != LambdaContext().aws_request_id
    assert LambdaContext(aws_request_id="req-1").aws_request_id == "req-1"


def test_remaining_time_counts_down_from_the_timeout_and_stops_at_zero():
    """get_remaining_time_in_millis falls as time passes and never goes negative."""
    context = LambdaContext(timeout=0.2)
    first = context.get_remaining_time_in_millis()
    time.sleep(0.05)
    second = context.get_remaining_time_in_millis()
    time.sleep(0.2)

    assert 100 < first <= 200
    assert second < first
    assert context.get_remaining_time_in_millis() == 0


def test_lambda_context_fixture_gives_a_fresh_context(lambda_context):
    """The lambda_context fixture is a LambdaContext with time left."""
    assert isinstance(lambda_context, LambdaContext)
    assert lambda_context.get_remaining_time_in_millis() > 0
