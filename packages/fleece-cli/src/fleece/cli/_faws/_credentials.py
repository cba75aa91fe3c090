"""AWS credentials from Rackspace Fanatical AWS: identity token, FAWS, STS.

The flow: the Rackspace username and API key buy an identity token
(``POST {identity}/v2.0/tokens``); the token buys temporary credentials for an AWS
account (``POST {faws}/v0/awsAccounts/{account}/credentials``); with a role, those
credentials assume ``arn:aws:iam::{account}:role/{role}`` through STS.

Secrets (API key, token, AWS keys) never appear in messages: each is held with
`fleece.cli._errors.hold_secret` as soon as it is known, and every message is redacted.
A refusal is reported as the HTTP status and the error title the service gave.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fleece.cli._errors import CredentialsError, InputError
from fleece.cli._faws._environments import (
    ACCOUNT_ID,
    ROLE_NAME,
    Environment,
    Environments,
)
from fleece.cli._secrets import hold_secret, is_held_secret, redact

if TYPE_CHECKING:
    import boto3


IDENTITY_URL_VAR = "FLEECE_RS_IDENTITY_URL"
FAWS_URL_VAR = "FLEECE_FAWS_URL"
DEFAULT_IDENTITY_URL = "https://identity.api.rackspacecloud.com"
DEFAULT_FAWS_URL = "https://accounts.api.manage.rackspace.com"

#: (connect, read) seconds for each identity and FAWS call.
DEFAULT_TIMEOUT = (5.0, 20.0)
# Both POSTs only mint short-lived tokens, so retrying them after a 5xx or a lost
# answer is harmless; urllib3 skips POST unless told otherwise. A service that does
# not answer in time gets one more chance, not three: the user is waiting.
_RETRIES = {
    "total": 3,
    "read": 1,
    "backoff_factor": 0.25,
    "status_forcelist": (500, 502, 503, 504),
    "allowed_methods": None,
    "raise_on_status": False,
}
_SESSION_NAME_UNSAFE = re.compile(r"[^\w+=,.@-]")
#: The help of ``--apikey`` and ``--apikey-file``, shared by ``run`` and ``config``.
APIKEY_HELP = (
    "Rackspace API key. A flag's value is visible to other users in the process "
    "list while the command runs: prefer the RS_API_KEY environment variable (or the "
    "environment's rs_apikey_var) or --apikey-file."
)
APIKEY_FILE_HELP = (
    "Read the Rackspace API key from the file PATH; '-' reads it from stdin (hidden "
    "input from a terminal, else the first line, the rest of stdin being left for "
    "the command)."
)
#: Where the Rackspace username and API key are looked up when no flag gives them.
RACKSPACE_VARIABLES = ("RS_USERNAME", "RS_API_KEY")
# Variables that would make AWS tools prefer a profile or a stale token over the
# credentials fleece hands over.
_SHADOWING_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN")


@dataclass(frozen=True, repr=False)
class AwsCredentials:
    """Temporary AWS credentials; ``repr()`` shows only the access key id.

    Attributes:
        access_key_id: ``AWS_ACCESS_KEY_ID``.
        secret_access_key: ``AWS_SECRET_ACCESS_KEY``.
        session_token: ``AWS_SESSION_TOKEN``.
    """

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)

    def __post_init__(self) -> None:
        hold_secret(self.secret_access_key, self.session_token)

    def __repr__(self) -> str:
        return f"AwsCredentials(access_key_id={self.access_key_id!r}, secrets hidden)"

    def as_env(self) -> dict[str, str]:
        """Return the three ``AWS_*`` environment variables for a child process."""
        return {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_SESSION_TOKEN": self.session_token,
        }

    def boto3_session(self, region_name: str | None = None) -> boto3.session.Session:
        """Return a boto3 session using these credentials.

        The session ignores ``AWS_PROFILE``/``AWS_DEFAULT_PROFILE`` (a profile named
        there that does not exist would otherwise fail every client), and still
        honours ``AWS_ENDPOINT_URL`` and ``AWS_DEFAULT_REGION``.

        Args:
            region_name: the region; None → ``AWS_DEFAULT_REGION``, else us-east-1.
        """
        import boto3
        import botocore.session

        core = botocore.session.Session(
            session_vars={"profile": (None, None, None, None)}
        )
        region = region_name or core.get_config_variable("region") or "us-east-1"
        return boto3.session.Session(
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
            aws_session_token=self.session_token,
            region_name=region,
            botocore_session=core,
        )


def read_apikey(apikey: str | None, apikey_file: str | None) -> str | None:
    """Return the API key given by ``--apikey`` or ``--apikey-file``, if any.

    ``--apikey-file PATH`` reads the key from a file (surrounding whitespace
    stripped), so that it is not in the process list as ``--apikey`` would be.
    ``-`` reads it from stdin: hidden input from a terminal, else exactly one line,
    leaving the rest of stdin unread for the command (``fleece run``) or the
    configuration (``fleece config import``).

    Raises:
        InputError: both are given, or the file cannot be read or holds no key.
    """
    if apikey_file is None:
        hold_secret(apikey)
        return apikey
    if apikey is not None:
        raise InputError("give --apikey or --apikey-file, not both")
    if apikey_file == "-":
        key = _read_line_from_stdin().strip()
        where = "stdin"
    else:
        where = apikey_file
        try:
            with open(apikey_file, encoding="utf-8") as file:
                key = file.read().strip()
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or type(error).__name__
            raise InputError(
                f"--apikey-file {apikey_file}: cannot be read ({reason})",
                option="--apikey-file",
            ) from None
    hold_secret(key)
    if not key or any(char.isspace() for char in key):
        raise InputError(
            f"--apikey-file {where}: expected the API key alone on one line",
            option="--apikey-file",
        )
    return key


def _read_line_from_stdin() -> str:
    if sys.stdin is None:
        return ""
    if sys.stdin.isatty():
        import click

        return str(click.prompt("Rackspace API key", hide_input=True, err=True))
    try:
        descriptor = sys.stdin.fileno()
    except (AttributeError, OSError, ValueError):
        return sys.stdin.readline()
    # Byte by byte, so that nothing after the line is consumed: what follows belongs
    # to the command, which reads the same file descriptor.
    line = bytearray()
    while not line.endswith(b"\n"):
        byte = os.read(descriptor, 1)
        if not byte:
            break
        line += byte
    return line.decode("utf-8", errors="replace")


def child_environment(
    environ: Mapping[str, str],
    aws_credentials: AwsCredentials | None = None,
    environments: Environments | None = None,
) -> dict[str, str]:
    """Return the environment of a child process: no Rackspace credentials.

    Left out: ``RS_USERNAME``, ``RS_API_KEY``, the variables named by the
    environments' ``rs_username_var``/``rs_apikey_var``, and any variable holding a
    secret this process holds. With ``aws_credentials``, the ``AWS_*`` keys are set
    and ``AWS_PROFILE`` (and the like) removed, so that AWS tools use them.

    Args:
        environ: the environment to start from (``os.environ``).
        aws_credentials: the credentials the child gets, if any.
        environments: the parsed ``environments.yml``, if one was read.
    """
    dropped = set(RACKSPACE_VARIABLES)
    if environments is not None:
        dropped.update(_named_variables(environments.environments))
    if aws_credentials is not None:
        dropped.update(_SHADOWING_VARIABLES)
    env = {
        name: value
        for name, value in environ.items()
        if name not in dropped and not is_held_secret(value)
    }
    if aws_credentials is not None:
        env.update(aws_credentials.as_env())
    return env


def _named_variables(environments: Iterable[Environment]) -> set[str]:
    return {
        name
        for environment in environments
        for name in (environment.rs_username_var, environment.rs_apikey_var)
        if name
    }


def resolve_rackspace_credentials(
    environment: Environment | None, username: str | None, apikey: str | None
) -> tuple[str, str]:
    """Pick the Rackspace username and API key.

    Each comes from, in order: the flag; the environment variable named by the
    environment's ``rs_username_var``/``rs_apikey_var``; ``RS_USERNAME``/``RS_API_KEY``.

    Args:
        environment: the environment in use, or None (``--account``).
        username: the ``--username`` flag, or None.
        apikey: the ``--apikey`` flag, or None.

    Returns:
        ``(username, apikey)``.

    Raises:
        InputError: one of them is found nowhere (the message says where to put it).
    """
    username_var = environment.rs_username_var if environment else None
    apikey_var = environment.rs_apikey_var if environment else None
    resolved_apikey = _pick(apikey, "--apikey", apikey_var, "RS_API_KEY", "API key")
    hold_secret(resolved_apikey)
    return (
        _pick(username, "--username", username_var, "RS_USERNAME", "username"),
        resolved_apikey,
    )


def _pick(
    flag_value: str | None,
    flag: str,
    named_var: str | None,
    default_var: str,
    what: str,
) -> str:
    if flag_value:
        return flag_value
    for var in (named_var, default_var):
        if var and os.environ.get(var):
            return os.environ[var]
    places = f"pass {flag} or set {default_var}"
    if named_var:
        places = f"pass {flag}, set {named_var} or set {default_var}"
    raise InputError(f"no Rackspace {what}: {places}", option=flag)


def get_aws_credentials(
    account: str,
    *,
    username: str,
    apikey: str,
    role: str | None = None,
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
) -> AwsCredentials:
    """Obtain temporary AWS credentials for ``account`` through Rackspace FAWS.

    Base URLs come from ``FLEECE_RS_IDENTITY_URL`` and ``FLEECE_FAWS_URL`` (default:
    Rackspace's). Each HTTP call has ``timeout`` and a few retries on 5xx; STS honours
    ``AWS_ENDPOINT_URL``.

    Args:
        account: the 12-digit AWS account id.
        username: the Rackspace username.
        apikey: the Rackspace API key.
        role: an IAM role name (or ``path/name``) in ``account`` to assume, or None.
        timeout: seconds, or ``(connect, read)``, for each identity and FAWS call.

    Returns:
        The credentials: the role's when ``role`` is given, else FAWS's.

    Raises:
        InputError: ``account`` or ``role`` is malformed.
        CredentialsError: a service refused, failed or did not answer.
    """
    if not ACCOUNT_ID.fullmatch(account):
        raise InputError(f"account {account!r} is not a 12-digit AWS account id")
    if role is not None and not ROLE_NAME.fullmatch(role):
        raise InputError(f"role {role!r} is not an IAM role name")
    hold_secret(apikey)
    token, tenant = _identity_token(username, apikey, timeout)
    credentials = _faws_credentials(account, token, tenant, timeout)
    if role is None:
        return credentials
    return _assume_role(credentials, f"arn:aws:iam::{account}:role/{role}", username)


def _identity_token(
    username: str, apikey: str, timeout: float | tuple[float, float]
) -> tuple[str, str]:
    url = _base_url(IDENTITY_URL_VAR, DEFAULT_IDENTITY_URL) + "/v2.0/tokens"
    body = {
        "auth": {
            "RAX-KSKEY:apiKeyCredentials": {"username": username, "apiKey": apikey}
        }
    }
    answer = _post_json("Rackspace identity", url, body, {}, timeout)
    token = _dig(answer, "access", "token", "id")
    tenant = _dig(answer, "access", "token", "tenant", "id")
    if isinstance(token, str):
        hold_secret(token)
    if not isinstance(token, str) or not isinstance(tenant, (str, int)):
        raise CredentialsError(
            f"Rackspace identity ({url}) answered without access.token.id and "
            "access.token.tenant.id"
        )
    return token, str(tenant)


def _faws_credentials(
    account: str, token: str, tenant: str, timeout: float | tuple[float, float]
) -> AwsCredentials:
    url = (
        _base_url(FAWS_URL_VAR, DEFAULT_FAWS_URL)
        + f"/v0/awsAccounts/{account}/credentials"
    )
    headers = {"X-Auth-Token": token, "X-Tenant-Id": tenant}
    body = {"credential": {"duration": "3600"}}
    answer = _post_json("FAWS", url, body, headers, timeout)
    keys = [
        _dig(answer, "credential", name)
        for name in ("accessKeyId", "secretAccessKey", "sessionToken")
    ]
    if not all(isinstance(key, str) and key for key in keys):
        raise CredentialsError(
            f"FAWS ({url}) answered without credential.accessKeyId, "
            "credential.secretAccessKey and credential.sessionToken"
        )
    return AwsCredentials(*(str(key) for key in keys))


def _assume_role(
    credentials: AwsCredentials, role_arn: str, username: str
) -> AwsCredentials:
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    session_name = _SESSION_NAME_UNSAFE.sub("-", f"fleece-{username}")[:64]
    config = Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 3})
    try:
        sts = credentials.boto3_session().client("sts", config=config)
        answer = sts.assume_role(RoleArn=role_arn, RoleSessionName=session_name)
    except ClientError as error:
        details = error.response.get("Error", {})
        code = details.get("Code", "error")
        message = details.get("Message", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "?")
        refusal = f"HTTP {status} {code} {message}".rstrip()
        raise CredentialsError(
            f"STS AssumeRole of {role_arn} refused: {refusal}"
        ) from None
    except BotoCoreError as error:
        raise CredentialsError(
            f"STS AssumeRole of {role_arn} failed: {type(error).__name__}"
        ) from None
    role_credentials = answer["Credentials"]
    return AwsCredentials(
        access_key_id=role_credentials["AccessKeyId"],
        secret_access_key=role_credentials["SecretAccessKey"],
        session_token=role_credentials["SessionToken"],
    )


def _base_url(variable: str, default: str) -> str:
    return (os.environ.get(variable) or default).rstrip("/")


def _post_json(
    service: str,
    url: str,
    body: Mapping[str, Any],
    headers: Mapping[str, str],
    timeout: float | tuple[float, float],
) -> Any:
    from fleece import requests

    try:
        response = requests.post(
            url,
            json=body,
            headers={"Accept": "application/json", **headers},
            timeout=timeout,
            retries=dict(_RETRIES),
        )
    except requests.exceptions.RequestException as error:
        raise CredentialsError(
            f"{service} ({url}) {_transport_failure(error, timeout)}"
        ) from None
    if response.status_code >= 400:
        title = _error_title(response)
        verdict = "failed" if response.status_code >= 500 else "refused"
        raise CredentialsError(
            f"{service} ({url}) {verdict}: HTTP {response.status_code} {title}".rstrip()
        )
    try:
        return response.json()
    except ValueError:
        raise CredentialsError(
            f"{service} ({url}) answered HTTP {response.status_code} without JSON"
        ) from None


def _transport_failure(error: Exception, timeout: float | tuple[float, float]) -> str:
    import requests
    from urllib3.exceptions import ReadTimeoutError

    reason = getattr(error.args[0] if error.args else None, "reason", None)
    if isinstance(error, requests.exceptions.Timeout) or isinstance(
        reason, ReadTimeoutError
    ):
        limits = timeout if isinstance(timeout, tuple) else (timeout, timeout)
        return f"timed out (connect {limits[0]:g} s, read {limits[1]:g} s)"
    if isinstance(error, requests.exceptions.ConnectionError):
        return "could not be reached (connection failed)"
    return f"could not be called ({type(error).__name__})"


def _error_title(response: Any) -> str:
    """Return the service's short error name: ``title``, or the one top-level key."""
    try:
        document = response.json()
    except ValueError:
        document = None
    title: object = None
    if isinstance(document, Mapping):
        if isinstance(document.get("title"), str):
            title = document["title"]
        elif len(document) == 1:
            ((key, value),) = document.items()
            if isinstance(value, Mapping):
                title = key
    if not isinstance(title, str) or not title:
        title = response.reason or ""
    # Redacted before it is cut short: a cut secret would no longer be recognised.
    printable = "".join(char if char.isprintable() else " " for char in str(title))
    return redact(printable)[:100]


def _dig(document: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(document, Mapping):
            return None
        document = document.get(key)
    return document
