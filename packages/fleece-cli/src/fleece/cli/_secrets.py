"""The secrets this process holds, and hiding them from every message it shows.

Every secret (Rackspace API key, identity token, AWS secret key and session token) is
registered with `hold_secret` as soon as fleece has it, and `redact` removes all of
them from any text about to be shown: the messages of the CLI's exceptions and every
``Error:`` line the ``fleece`` command prints.
"""

from __future__ import annotations

#: What a redacted secret is replaced with.
REDACTED = "***"

# The secrets this process holds. Global by nature: a secret obtained by one command
# must be hidden from every message the process prints afterwards.
_held_secrets: set[str] = set()


def hold_secret(*secrets: str | None) -> None:
    """Remember secrets this process holds: `redact` hides them from messages."""
    _held_secrets.update(secret for secret in secrets if secret)


def is_held_secret(value: str) -> bool:
    """Whether ``value`` is one of the secrets this process holds."""
    return value in _held_secrets


def forget_secrets() -> None:
    """Forget every held secret (for a program that runs several commands in turn)."""
    _held_secrets.clear()


def redact(text: str) -> str:
    """Return ``text`` with every held secret replaced by ``***``.

    Longer secrets go first, so a secret containing another is hidden whole.
    """
    for secret in sorted(_held_secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text
