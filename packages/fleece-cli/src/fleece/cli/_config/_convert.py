"""Turning a configuration between its open form (``:encrypt:``) and closed form."""

from __future__ import annotations

import yaml

from fleece.cli._config._aws import StageAws
from fleece.cli._config._document import load_yaml
from fleece.cli._config._render import as_json as json_text
from fleece.cli._config._tree import DECRYPT_PREFIX, ENCRYPT_PREFIX, ConfigTree


def closed_text(tree: ConfigTree, aws: StageAws) -> str:
    """Return the closed text: every ``:encrypt:`` value encrypted with its stage's key.

    ``:decrypt:`` values are kept as they are; so are comments, order and layout.

    Raises:
        CliError: credentials or KMS failed (the message names the dotted key).
    """
    replacements: dict[int, tuple[yaml.ScalarNode, str]] = {}
    for secret in tree.secrets():
        if secret.is_plaintext:
            ciphertext = aws.encrypt(secret.stage, secret.payload, secret.dotted_key)
            replacements[id(secret.node)] = (secret.node, DECRYPT_PREFIX + ciphertext)
    return tree.document.with_values(replacements)


def open_text(tree: ConfigTree, aws: StageAws, *, as_json: bool = False) -> str:
    """Return the open text: every ``:decrypt:`` value decrypted into ``:encrypt:``.

    Args:
        tree: the closed configuration.
        aws: where to decrypt.
        as_json: return JSON (comments cannot be kept) instead of the YAML text.

    Raises:
        ConfigError: a ciphertext is malformed.
        CliError: credentials or KMS failed (the message names the dotted key).
    """
    replacements: dict[int, tuple[yaml.ScalarNode, str]] = {}
    for secret in tree.secrets():
        if not secret.is_plaintext:
            plaintext = aws.decrypt(secret.stage, secret.payload, secret.dotted_key)
            replacements[id(secret.node)] = (secret.node, ENCRYPT_PREFIX + plaintext)
    text = tree.document.with_values(replacements)
    if not as_json:
        return text
    return json_text(load_yaml(text, "the configuration") or {})
