"""The botocore ``Config`` a client gets: the caller's, plus the timeouts."""

from __future__ import annotations

from typing import Any

from botocore.config import Config

from fleece.boto3._timeouts import DEFAULT_TIMEOUTS, pick_timeouts

# boto3's Session.client() and Session.resource() take ``config`` as their 10th
# positional parameter, after service_name ... aws_session_token.
_CONFIG_POSITION = 9


def config_with_timeouts(
    config: Any, timeout: object, connect_timeout: object, read_timeout: object
) -> Any:
    """Return the config to create a client with, or ``config`` if nothing changes.

    Per value: ``connect_timeout``/``read_timeout`` > ``timeout`` > what
    ``config`` sets > the installed default > botocore's default. The caller's
    ``config`` is never modified; a changed one is a merged copy.

    Raises:
        ValueError: a timeout is not a number greater than 0.
        TypeError: ``config`` is not a ``botocore.config.Config``.
    """
    connect, read = pick_timeouts(timeout, connect_timeout, read_timeout)
    if config is not None and not isinstance(config, Config):
        raise TypeError(
            f"config must be a botocore.config.Config, got {type(config).__name__}"
        )
    # Config keeps the options its caller passed apart from its defaults; that
    # is what lets an explicit config beat the installed default.
    chosen = getattr(config, "_user_provided_options", None)
    if chosen is None:
        chosen = {} if config is None else {"connect_timeout", "read_timeout"}
    overrides: dict[str, float] = {}
    for key, explicit, default in (
        ("connect_timeout", connect, DEFAULT_TIMEOUTS.connect),
        ("read_timeout", read, DEFAULT_TIMEOUTS.read),
    ):
        if explicit is not None:
            overrides[key] = explicit
        elif default is not None and key not in chosen:
            overrides[key] = default
    if not overrides:
        return config
    ours = Config(**overrides)
    return ours if config is None else config.merge(ours)


def with_timeouts(
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    timeout: object,
    connect_timeout: object,
    read_timeout: object,
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Return boto3 ``client()``/``resource()`` arguments with the timeouts applied.

    ``config`` may come positionally or by keyword; it is replaced where it was.
    When no timeout applies the arguments come back as they were.
    """
    if len(args) > _CONFIG_POSITION:
        config = config_with_timeouts(
            args[_CONFIG_POSITION], timeout, connect_timeout, read_timeout
        )
        if config is not args[_CONFIG_POSITION]:
            args = (*args[:_CONFIG_POSITION], config, *args[_CONFIG_POSITION + 1 :])
        return args, kwargs
    given = kwargs.get("config")
    config = config_with_timeouts(given, timeout, connect_timeout, read_timeout)
    if config is not given:
        kwargs = {**kwargs, "config": config}
    return args, kwargs
