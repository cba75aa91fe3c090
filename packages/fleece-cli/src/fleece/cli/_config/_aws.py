"""KMS and SSM for ``fleece config``, with each stage's environment's credentials.

Credentials come from Rackspace FAWS exactly as ``fleece run`` gets them (the
environment's account and role), once per environment for the whole command.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from fleece.cli._config._tree import Stage
from fleece.cli._errors import AwsCallError, ConfigError, InputError
from fleece.cli._faws._credentials import (
    AwsCredentials,
    get_aws_credentials,
    resolve_rackspace_credentials,
)
from fleece.cli._faws._environments import Environments, load_environments

if TYPE_CHECKING:
    import boto3

_T = TypeVar("_T")


class StageAws:
    """AWS clients for the stages of one configuration.

    Args:
        environments_path: the ``environments.yml`` file (read on first use).
        username: the ``--username`` flag, or None.
        apikey: the ``--apikey`` flag, or None.
    """

    def __init__(
        self, environments_path: Path, username: str | None, apikey: str | None
    ) -> None:
        self.environments_path = environments_path
        self._username = username
        self._apikey = apikey
        self._environments: Environments | None = None
        self._credentials_of: dict[str, AwsCredentials] = {}
        # One session for every client: its loaded service models are shared, and
        # each client carries its own environment's credentials.
        self._session: boto3.session.Session | None = None
        self._clients: dict[tuple[str, str, str | None], Any] = {}
        # (environment, plaintext) → {key ARN: ciphertext} of each value decrypted, so
        # that an edit leaves the ciphertexts of unchanged values (and the git diff)
        # alone. Fresh encryptions are not reused: equal secrets would show as equal.
        self._opened: dict[tuple[str, str], dict[str, str]] = {}
        self._key_arns: dict[tuple[str, str], str | None] = {}

    @property
    def environments(self) -> Environments:
        """The parsed ``environments.yml``."""
        if self._environments is None:
            self._environments = load_environments(self.environments_path)
        return self._environments

    def encrypt(self, stage: Stage, plaintext: str, dotted_key: str) -> str:
        """Encrypt ``plaintext`` with the stage's KMS key; return base64 ciphertext.

        Raises:
            AwsCallError: credentials or KMS failed (the message names ``dotted_key``).
        """
        opened = self._opened.get((stage.environment, plaintext))
        if opened:
            arn = self._key_arn(stage)
            if arn in opened:
                return opened[arn]
        return self.encrypt_bytes(stage, plaintext.encode("utf-8"), dotted_key)

    def encrypt_bytes(self, stage: Stage, plaintext: bytes, what: str) -> str:
        """Encrypt up to 4096 bytes with the stage's KMS key; return base64."""
        kms = self.client("kms", stage)
        answer = _call(
            lambda: kms.encrypt(KeyId=stage.kms_key_id, Plaintext=plaintext),
            f"{what}: KMS could not encrypt with {stage.kms_key_id} "
            f"(stage {stage.selector!r}, environment {stage.environment!r})",
        )
        return base64.b64encode(answer["CiphertextBlob"]).decode("ascii")

    def decrypt(self, stage: Stage, ciphertext: str, dotted_key: str) -> str:
        """Decrypt a base64 KMS ciphertext with the stage's environment's credentials.

        Raises:
            ConfigError: the ciphertext is not base64 or not UTF-8 text once opened.
            AwsCallError: credentials or KMS failed (the message names ``dotted_key``).
        """
        try:
            blob = base64.b64decode(ciphertext.strip(), validate=True)
        except binascii.Error:
            raise ConfigError(
                f"{dotted_key}: the :decrypt: value is not base64 KMS ciphertext"
            ) from None
        kms = self.client("kms", stage)
        answer = _call(
            lambda: kms.decrypt(CiphertextBlob=blob),
            f"{dotted_key}: KMS could not decrypt the value "
            f"(stage {stage.selector!r}, environment {stage.environment!r})",
        )
        try:
            plaintext = bytes(answer["Plaintext"]).decode("utf-8")
        except UnicodeDecodeError:
            raise ConfigError(
                f"{dotted_key}: the decrypted value is not UTF-8 text"
            ) from None
        opened = self._opened.setdefault((stage.environment, plaintext), {})
        opened[str(answer.get("KeyId"))] = ciphertext
        return plaintext

    def _key_arn(self, stage: Stage) -> str | None:
        """Return the ARN of the stage's key (None if KMS cannot say)."""
        cache_key = (stage.environment, stage.kms_key_id)
        if cache_key not in self._key_arns:
            from botocore.exceptions import BotoCoreError, ClientError

            kms = self.client("kms", stage)
            try:
                metadata = kms.describe_key(KeyId=stage.kms_key_id)["KeyMetadata"]
                self._key_arns[cache_key] = str(metadata["Arn"])
            except (BotoCoreError, ClientError):
                # The encryption that follows reports the problem in full.
                self._key_arns[cache_key] = None
        return self._key_arns[cache_key]

    def put_parameter(
        self, stage: Stage, name: str, value: str, kms_key_id: str
    ) -> None:
        """Write one SSM SecureString parameter (overwriting) in the stage's account.

        Raises:
            AwsCallError: credentials or SSM failed (the message names the parameter).
        """
        ssm = self.client("ssm", stage)
        _call(
            lambda: ssm.put_parameter(
                Name=name,
                Value=value,
                Type="SecureString",
                KeyId=kms_key_id,
                Overwrite=True,
            ),
            f"SSM could not write parameter {name} with key {kms_key_id}",
        )

    def client(self, service: str, stage: Stage) -> Any:
        """Return a boto3 client for ``service`` in the stage's account and region."""
        cache_key = (service, stage.environment, stage.region)
        if cache_key not in self._clients:
            credentials = self._credentials(stage)
            if self._session is None:
                self._session = credentials.boto3_session()
            session = self._session
            self._clients[cache_key] = _call(
                lambda: session.client(
                    service,
                    region_name=stage.region,
                    aws_access_key_id=credentials.access_key_id,
                    aws_secret_access_key=credentials.secret_access_key,
                    aws_session_token=credentials.session_token,
                ),
                f"cannot create a {service} client",
            )
        return self._clients[cache_key]

    def _credentials(self, stage: Stage) -> AwsCredentials:
        if stage.environment not in self._credentials_of:
            try:
                environment = self.environments.environment(stage.environment)
            except InputError as error:
                raise ConfigError(
                    f"stages.{stage.selector}.environment: {error.message}"
                ) from None
            username, apikey = resolve_rackspace_credentials(
                environment, self._username, self._apikey
            )
            self._credentials_of[stage.environment] = get_aws_credentials(
                environment.account,
                username=username,
                apikey=apikey,
                role=environment.role,
            )
        return self._credentials_of[stage.environment]


def _call(operation: Callable[[], _T], failure: str) -> _T:
    """Run a boto3 call; turn its failure into one line starting with ``failure``."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return operation()
    except ClientError as error:
        details = error.response.get("Error", {})
        code = details.get("Code", "error")
        message = details.get("Message", "")
        raise AwsCallError(f"{failure}: {code} {message}".rstrip()) from None
    except BotoCoreError as error:
        raise AwsCallError(f"{failure}: {error}") from None
