"""Shared fixtures for fleece.boto3 tests."""

from __future__ import annotations

from collections.abc import Iterator

import boto3 as real_boto3
import pytest

from fleece import boto3


@pytest.fixture(autouse=True)
def _fresh_defaults(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No installed default timeout, and a default session built from this env."""
    monkeypatch.setattr(real_boto3, "DEFAULT_SESSION", None)
    boto3.set_default_timeout()
    yield
    boto3.set_default_timeout()
