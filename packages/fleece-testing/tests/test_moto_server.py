import boto3
import pytest

from fleece.testing import MotoServer


def test_moto_server_answers_boto3_calls(moto_env):
    """boto3 with the moto_env environment talks to the local moto server."""
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="photos")

    assert moto_env.url.startswith("http://127.0.0.1:")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["photos"]


def test_moto_env_starts_every_test_with_an_empty_server(moto_env):
    """State from an earlier test is wiped before the next one."""
    assert boto3.client("s3").list_buckets()["Buckets"] == []


def test_moto_server_restarts_on_the_same_port(moto_env):
    """stop() makes calls fail; start() brings the server back where it was."""
    sts = boto3.client("sts")
    port = moto_env.port
    moto_env.stop()
    try:
        assert not moto_env.running
        with pytest.raises(Exception, match="Could not connect"):
            boto3.client("sts", config=_no_retries()).get_caller_identity()
    finally:
        moto_env.start()

    assert moto_env.port == port
    assert sts.get_caller_identity()["Account"] == "123456789012"


def test_moto_server_reset_wipes_resources(moto_server, monkeypatch):
    """reset() deletes every resource; env points boto3 at the server."""
    client = boto3.client(
        "s3",
        endpoint_url=moto_server.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket="tmp")
    moto_server.reset()

    assert client.list_buckets()["Buckets"] == []
    assert moto_server.env["AWS_ENDPOINT_URL"] == moto_server.url


def test_a_second_server_gets_its_own_port(moto_server):
    """A MotoServer made in a test listens on another free port."""
    with MotoServer() as other:
        assert other.running
        assert other.port != moto_server.port
    assert not other.running


def _no_retries():
    from botocore.config import Config

    return Config(retries={"max_attempts": 0}, connect_timeout=1)
