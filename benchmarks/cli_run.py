"""`fleece run` against the 1.x way of doing it (argparse + plain requests).

Run: uv run python benchmarks/cli_run.py

The peer is what fleece 1.x's `run` did: argparse, two `requests.post` calls without
timeouts or retries, `subprocess.call` of the command through the shell. Both talk to
the same local stand-in for Rackspace identity and FAWS, an HTTP/1.1 server with
Nagle's algorithm disabled running in a child process (this script with --serve), so
the figures show fleece's own cost, not the network's.

- credentials flow, in-process: `get_aws_credentials` (fleece.requests, timeouts and
  retries) vs the two bare `requests.post` calls.
- `run -- true`, end to end: a whole process that gets credentials and runs `true`.
- `run --help`: the start-up cost of the command line alone.

Each figure is the median of the repeats, fleece and the peer taking turns.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import requests
from _local_server import JSONHandler, serve, server_process
from _report import medians_in_turns, print_table, row

from fleece.cli._faws._credentials import get_aws_credentials

ACCOUNT = "123456789012"
FLOW_REPEATS = 40
PROCESS_REPEATS = 3
FLEECE = str(Path(sys.executable).with_name("fleece"))

PEER_SCRIPT = """\
import argparse, os, subprocess, sys
import requests

parser = argparse.ArgumentParser(prog="fleece run")
parser.add_argument("--username", "-u", default=os.environ.get("RS_USERNAME"))
parser.add_argument("--apikey", "-k", default=os.environ.get("RS_API_KEY"))
parser.add_argument("--account", "-a")
parser.add_argument("command")
args = parser.parse_args()
identity = os.environ["FLEECE_RS_IDENTITY_URL"] + "/v2.0/tokens"
auth = {"auth": {"RAX-KSKEY:apiKeyCredentials": {
    "username": args.username, "apiKey": args.apikey}}}
access = requests.post(identity, json=auth).json()["access"]["token"]
url = os.environ["FLEECE_FAWS_URL"] + "/v0/awsAccounts/%s/credentials" % args.account
headers = {"X-Auth-Token": access["id"], "X-Tenant-Id": access["tenant"]["id"]}
body = {"credential": {"duration": "3600"}}
credential = requests.post(url, json=body, headers=headers).json()["credential"]
env = dict(os.environ, AWS_ACCESS_KEY_ID=credential["accessKeyId"],
           AWS_SECRET_ACCESS_KEY=credential["secretAccessKey"],
           AWS_SESSION_TOKEN=credential["sessionToken"])
env.pop("AWS_PROFILE", None)
sys.exit(subprocess.call(args.command, shell=True, env=env))
"""


class FakeRackspace(JSONHandler):
    def answer(self) -> bytes:
        if self.path.endswith("/v2.0/tokens"):
            token = {"id": "token", "tenant": {"id": "654321"}}
            body = {"access": {"token": token}}
        else:
            keys = {"accessKeyId": "AKIA", "secretAccessKey": "s", "sessionToken": "t"}
            body = {"credential": keys}
        return json.dumps(body).encode()


def median_ms(action: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def fleece_flow() -> None:
    get_aws_credentials(ACCOUNT, username="u", apikey="k")


# The peer sends no timeout on purpose: that is what 1.x did.
def peer_flow() -> None:
    identity = os.environ["FLEECE_RS_IDENTITY_URL"] + "/v2.0/tokens"
    auth = {"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": "u", "apiKey": "k"}}}
    token = requests.post(identity, json=auth).json()["access"]["token"]  # noqa: S113 - a local stand-in that answers at once
    url = f"{os.environ['FLEECE_FAWS_URL']}/v0/awsAccounts/{ACCOUNT}/credentials"
    headers = {"X-Auth-Token": token["id"], "X-Tenant-Id": token["tenant"]["id"]}
    body = {"credential": {"duration": "3600"}}
    requests.post(url, json=body, headers=headers).json()  # noqa: S113 - a local stand-in that answers at once


def run(argv: list[str]) -> Callable[[], object]:
    def action() -> None:
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)

    return action


def alternate(
    fleece: Callable[[], object], peer: Callable[[], object], repeats: int
) -> tuple[float, float]:
    fleece_ms, peer_ms = medians_in_turns(
        [lambda: median_ms(fleece, repeats), lambda: median_ms(peer, repeats)], 3
    )
    return fleece_ms, peer_ms


def main() -> None:
    with server_process(__file__) as base:
        os.environ.update(
            FLEECE_RS_IDENTITY_URL=base + "/identity",
            FLEECE_FAWS_URL=base + "/faws",
            RS_USERNAME="u",
            RS_API_KEY="k",
        )
        with tempfile.TemporaryDirectory() as folder:
            peer = Path(folder) / "fleece1_run.py"
            peer.write_text(PEER_SCRIPT, encoding="utf-8")
            rows = [
                (
                    "credentials flow, in-process (ms)",
                    *alternate(fleece_flow, peer_flow, FLOW_REPEATS),
                ),
                (
                    "run -- true, end to end (ms)",
                    *alternate(
                        run([FLEECE, "run", "-a", ACCOUNT, "--", "true"]),
                        run([sys.executable, str(peer), "-a", ACCOUNT, "true"]),
                        PROCESS_REPEATS,
                    ),
                ),
                (
                    "run --help start-up (ms)",
                    *alternate(
                        run([FLEECE, "run", "--help"]),
                        run([sys.executable, str(peer), "--help"]),
                        PROCESS_REPEATS,
                    ),
                ),
            ]
    print("peer: fleece 1.x's way (argparse + requests.post, no timeouts/retries)")
    print_table([row(metric, fleece, peer) for metric, fleece, peer in rows])


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        serve(FakeRackspace)
    else:
        main()
