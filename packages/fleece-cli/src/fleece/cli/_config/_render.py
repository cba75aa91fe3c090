"""``fleece config render``: one stage's configuration, in the form a deploy needs."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from fleece.cli._config._aws import StageAws
from fleece.cli._config._document import dump_yaml
from fleece.cli._config._tree import (
    DECRYPT_PREFIX,
    ConfigTree,
    Stage,
    StageValue,
)
from fleece.cli._errors import ConfigError

#: The most bytes one KMS ``Encrypt`` call accepts.
KMS_PLAINTEXT_LIMIT = 4096
# SSM: "a-zA-Z0-9_.-" in each level, at most 15 levels, 1011 characters in all, and
# no name starting with "aws" or "ssm".
_SSM_SEGMENT = re.compile(r"[A-Za-z0-9_.-]+")
_SSM_MAX_NAME = 1011
_SSM_MAX_LEVELS = 15
_SSM_RESERVED = ("aws", "ssm")

_PYTHON_MODULE = '''\
"""A stage's configuration, decrypted with AWS KMS when imported: use ``CONFIG``.

Rendered by ``fleece config render STAGE --python``; do not edit.
"""

import base64
import json

import boto3

STAGE = {stage}
ENCRYPTED_CONFIG = {chunks}


def load_config():
    """Decrypt ENCRYPTED_CONFIG with KMS and return the configuration."""
    kms = boto3.client("kms")
    plaintext = b"".join(
        kms.decrypt(CiphertextBlob=base64.b64decode(chunk))["Plaintext"]
        for chunk in ENCRYPTED_CONFIG
    )
    return json.loads(plaintext.decode("utf-8"))


CONFIG = load_config()
'''


def decrypt_selection(selection: Any, tree: ConfigTree, aws: StageAws) -> Any:
    """Return a stage's selection (`ConfigTree.select`) with its secrets decrypted.

    Raises:
        ConfigError: the file holds an unencrypted secret or a malformed ciphertext.
        CliError: credentials or KMS failed.
    """
    if isinstance(selection, StageValue):
        if not selection.value.startswith(DECRYPT_PREFIX):
            raise ConfigError(
                f"{selection.dotted_key}: holds an unencrypted :encrypt: value; "
                "run 'fleece config import' (or edit) to encrypt it"
            )
        stage = tree.stages.for_selector(selection.selector)
        if stage is None:  # ConfigTree.parse resolved every '+' key already
            raise ConfigError(
                f"{selection.dotted_key}: unknown stage {selection.selector!r}"
            )
        payload = selection.value[len(DECRYPT_PREFIX) :]
        return aws.decrypt(stage, payload, selection.dotted_key)
    if isinstance(selection, dict):
        return {k: decrypt_selection(v, tree, aws) for k, v in selection.items()}
    if isinstance(selection, list):
        return [decrypt_selection(v, tree, aws) for v in selection]
    return selection


def as_yaml(config: Any) -> str:
    """Return the configuration as block YAML."""
    return dump_yaml(config)


def as_json(config: Any) -> str:
    """Return the configuration as indented JSON text."""
    return json.dumps(config, indent=2, ensure_ascii=False, default=str) + "\n"


def as_encrypted_chunks(config: Any, stage: Stage, aws: StageAws) -> list[str]:
    """Return the configuration's JSON, encrypted with the stage's key in chunks.

    Each chunk holds at most 4096 bytes of UTF-8 (KMS's limit), cut between
    characters, so that each one also decodes on its own.
    """
    compact = json.dumps(config, ensure_ascii=False, separators=(",", ":"), default=str)
    return [
        aws.encrypt_bytes(stage, chunk, f"stage {stage.selector!r} config")
        for chunk in utf8_chunks(compact, KMS_PLAINTEXT_LIMIT)
    ]


def as_python_module(chunks: list[str], stage_name: str) -> str:
    """Return Python source that decrypts ``chunks`` with KMS into ``CONFIG``."""
    listed = "[\n" + "".join(f"    {json.dumps(c)},\n" for c in chunks) + "]"
    return _PYTHON_MODULE.format(stage=json.dumps(stage_name), chunks=listed)


def utf8_chunks(text: str, limit: int) -> Iterator[bytes]:
    """Yield ``text`` as UTF-8 pieces of at most ``limit`` bytes, cut between chars."""
    data = text.encode("utf-8")
    start = 0
    while start < len(data):
        end = min(start + limit, len(data))
        # A UTF-8 continuation byte (0b10xxxxxx) never starts a character.
        while end < len(data) and data[end] & 0xC0 == 0x80:
            end -= 1
        yield data[start:end]
        start = end


def parameters(config: Any, prefix: str) -> dict[str, str]:
    """Flatten the configuration into SSM parameter names and string values.

    Args:
        config: the stage's configuration (nested mappings of strings), plaintext
            or as selected (secrets still encrypted), to check names early.
        prefix: the path under which the parameters go, e.g. ``/myapp/prod``.

    Raises:
        ConfigError: a value is not a string, or a name is one SSM rejects (the
            message names the key).
    """
    root = _check_prefix(prefix)
    flat: dict[str, str] = {}
    _flatten(config, root, "config", flat)
    return flat


def _flatten(data: Any, name: str, dotted_key: str, flat: dict[str, str]) -> None:
    if isinstance(data, dict):
        for key, value in data.items():
            segment = str(key)
            if not _SSM_SEGMENT.fullmatch(segment):
                raise ConfigError(
                    f"{dotted_key}.{segment}: {segment!r} cannot be part of an SSM "
                    "parameter name (allowed: letters, digits, '_', '.', '-')"
                )
            _flatten(value, f"{name}/{segment}", f"{dotted_key}.{segment}", flat)
        return
    if isinstance(data, StageValue):
        data = data.value  # a secret, checked before it is decrypted
    if not isinstance(data, str):
        kind = "a list" if isinstance(data, list) else f"{type(data).__name__} {data!r}"
        raise ConfigError(
            f"{dotted_key}: Parameter Store values must be strings, not {kind}; "
            "quote it in the config"
        )
    if len(name) > _SSM_MAX_NAME:
        raise ConfigError(
            f"{dotted_key}: parameter name {name[:40]}... is longer than "
            f"{_SSM_MAX_NAME} characters"
        )
    if name.count("/") > _SSM_MAX_LEVELS:
        raise ConfigError(
            f"{dotted_key}: parameter name {name} is deeper than "
            f"{_SSM_MAX_LEVELS} levels"
        )
    flat[name] = data


def _check_prefix(prefix: str) -> str:
    root = "/" + prefix.strip("/") if prefix.strip("/") else ""
    segments = [segment for segment in root.split("/") if segment]
    if not prefix.startswith("/") or any(
        not _SSM_SEGMENT.fullmatch(segment) for segment in segments
    ):
        raise ConfigError(
            f"--parameter-store {prefix!r}: a prefix must start with '/' and hold "
            "only letters, digits, '_', '.', '-' between slashes"
        )
    if segments and segments[0].lower().startswith(_SSM_RESERVED):
        raise ConfigError(
            f"--parameter-store {prefix!r}: SSM names cannot start with 'aws' or 'ssm'"
        )
    return root
