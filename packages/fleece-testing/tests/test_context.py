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


def test_the_1x_remaining_time_keyword_gives_a_fixed_value():
    """remaining_time_in_milli, as 1.x took it, is returned as is on every call."""
    context = LambdaContext(remaining_time_in_milli=1500)
    time.sleep(0.01)

    assert context.get_remaining_time_in_millis() == 1500
    assert context.get_remaining_time_in_millis() == 1500


def test_the_1x_stage_keyword_qualifies_the_function_arn():
    """stage names the alias the function was invoked through."""
    context = LambdaContext(
        function_name="orders",
        region="eu-west-1",
        account_id="999999999999",
        stage="prod",
    )

    assert context.invoked_function_arn == (
        "arn:aws:lambda:eu-west-1:999999999999:function:orders:prod"
    )


def test_every_1x_keyword_is_accepted_and_a_numeric_version_becomes_text():
    """A 1.x call with all its keywords builds a context shaped like Lambda's."""
    context = LambdaContext(
        function_name="test_function",
        function_version=1,
        remaining_time_in_milli=9999,
        memory_limit_in_mb=256,
        region="us-east-1",
        account_id="999999999999",
        stage="test_stage",
        aws_request_id="req-1",
        client_context={"custom": {"k": "v"}},
    )

    assert context.function_version == "1"
    assert context.memory_limit_in_mb == 256
    assert context.aws_request_id == "req-1"
    assert context.client_context == {"custom": {"k": "v"}}
    assert context.get_remaining_time_in_millis() == 9999
    assert context.invoked_function_arn.endswith(":function:test_function:test_stage")
    assert context.log_group_name == "/aws/lambda/test_function"
    assert "[1]" in context.log_stream_name
