"""Real calls through ``fleece.boto3``: moto's server, and a server that stalls."""

from __future__ import annotations

import boto3 as real_boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ReadTimeoutError

from fleece import boto3
from fleece.testing import MotoServer, ScriptedHTTPServer


def test_a_client_makes_real_calls(moto_env: MotoServer) -> None:
    """Create a bucket, put and get an object, through a client with timeouts."""
    s3 = boto3.client("s3", timeout=5)

    s3.create_bucket(Bucket="fleece-calls")
    s3.put_object(Bucket="fleece-calls", Key="hello.txt", Body=b"hi")
    body = s3.get_object(Bucket="fleece-calls", Key="hello.txt")["Body"].read()

    assert body == b"hi"
    assert [b["Name"] for b in real_boto3.client("s3").list_buckets()["Buckets"]] == [
        "fleece-calls"
    ]


def test_a_resource_makes_real_calls(moto_env: MotoServer) -> None:
    """A DynamoDB table written and read through a resource with a default timeout."""
    boto3.set_default_timeout(10)
    dynamodb = boto3.resource("dynamodb")
    table = dynamodb.create_table(
        TableName="users",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )

    table.put_item(Item={"id": "7", "name": "Ada"})

    assert table.get_item(Key={"id": "7"})["Item"] == {"id": "7", "name": "Ada"}


def test_a_session_client_makes_real_calls(moto_env: MotoServer) -> None:
    """``fleece.boto3.Session().client`` talks to the same service."""
    sqs = boto3.Session().client("sqs", connect_timeout=2, read_timeout=5)

    url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="job-1")
    messages = sqs.receive_message(QueueUrl=url)["Messages"]

    assert [m["Body"] for m in messages] == ["job-1"]


@pytest.mark.parametrize("where", ["argument", "default"])
def test_a_read_timeout_fires_against_a_stalling_server(
    moto_env: MotoServer, http_server: ScriptedHTTPServer, where: str
) -> None:
    """The server never answers in time: botocore raises ReadTimeoutError."""
    http_server.set_default(stall=3.0)
    one_attempt = Config(retries={"total_max_attempts": 1})
    if where == "default":
        boto3.set_default_timeout(read_timeout=0.3)
        s3 = boto3.client("s3", endpoint_url=http_server.url, config=one_attempt)
    else:
        s3 = boto3.client(
            "s3", endpoint_url=http_server.url, config=one_attempt, read_timeout=0.3
        )

    with pytest.raises(ReadTimeoutError):
        s3.list_buckets()

    assert len(http_server.requests) == 1
