import json
import socket

import pytest
from aws_xray_sdk.core import AWSXRayRecorder

from fleece.testing import XRayDaemon


def test_daemon_decodes_a_segment_sent_by_aws_xray_sdk(xray_daemon):
    """A segment emitted by the real SDK arrives with its header and document."""
    recorder = AWSXRayRecorder()
    recorder.configure(
        daemon_address=xray_daemon.address, sampling=False, context_missing="LOG_ERROR"
    )
    segment = recorder.begin_segment("checkout")
    with recorder.in_subsegment("charge") as subsegment:
        subsegment.put_annotation("order", "o-1")
    recorder.end_segment()
    # The SDK's UDP emitter never closes its socket; close it so that no
    # ResourceWarning surfaces in a later test.
    recorder.emitter._socket.close()

    (document,) = xray_daemon.wait_for(1)
    assert xray_daemon.headers == [{"format": "json", "version": 1}]
    assert document["name"] == "checkout"
    assert document["trace_id"] == segment.trace_id
    assert document["subsegments"][0]["name"] == "charge"
    assert document["subsegments"][0]["annotations"] == {"order": "o-1"}


def test_daemon_keeps_undecodable_datagrams_apart(xray_daemon):
    """A datagram that is not header + JSON is recorded as an error, not a document."""
    host, port = xray_daemon.address.split(":")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        sender.sendto(b"garbage", (host, int(port)))
        header = json.dumps({"format": "json", "version": 1})
        sender.sendto(f'{header}\n{{"name": "ok"}}'.encode(), (host, int(port)))

    assert xray_daemon.wait_for(1) == [{"name": "ok"}]
    assert xray_daemon.datagrams[0] == b"garbage"
    assert len(xray_daemon.errors) == 1


def test_waiting_for_documents_that_never_come_times_out():
    """wait_for raises TimeoutError; clear() forgets what arrived."""
    with XRayDaemon() as daemon:
        assert daemon.env == {"AWS_XRAY_DAEMON_ADDRESS": daemon.address}
        with pytest.raises(TimeoutError):
            daemon.wait_for(1, timeout=0.1)
        daemon.clear()
        assert daemon.documents == []
