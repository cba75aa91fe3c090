"""``environments.yml``: named AWS accounts, their roles and the stages that use them.

```yaml
environments:
  - name: production
    account: '123456789012'     # a quoted string: YAML reads 0123... as a number
    role: LambdaDeployRole      # optional: assumed after the FAWS credentials
    rs_username_var: PROD_RS_USERNAME   # optional: env var holding the username
    rs_apikey_var: PROD_RS_API_KEY      # optional: env var holding the API key
stages:                          # optional
  prod: {environment: production}
  /dev-.*/: {environment: development}
```
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from fleece.cli._errors import ConfigError, InputError
from fleece.cli._faws._stages import matches, regex_error, select

#: A 12-digit AWS account id.
ACCOUNT_ID = re.compile(r"\d{12}")
#: An IAM role name, optionally with a path (``path/Name``).
ROLE_NAME = re.compile(r"[\w+=,.@/-]{1,512}")
_ENV_VAR = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ENVIRONMENT_KEYS = ("name", "account", "role", "rs_username_var", "rs_apikey_var")


@dataclass(frozen=True)
class Environment:
    """One entry of ``environments:``.

    Attributes:
        name: the name given to ``--environment``.
        account: the 12-digit AWS account id.
        role: the IAM role to assume in that account, if any.
        rs_username_var: the environment variable holding the Rackspace username.
        rs_apikey_var: the environment variable holding the Rackspace API key.
    """

    name: str
    account: str
    role: str | None = None
    rs_username_var: str | None = None
    rs_apikey_var: str | None = None


@dataclass(frozen=True)
class StageRule:
    """One entry of ``stages:``: a stage name or ``/regex/`` and its environment.

    Attributes:
        pattern: the key as written (``prod`` or ``/dev-.*/``).
        environment: the name of the environment it maps to.
    """

    pattern: str
    environment: str

    def matches(self, stage: str) -> bool:
        """Return whether ``stage`` is this name, or fully matches this regex."""
        return matches(self.pattern, stage)


@dataclass(frozen=True)
class Environments:
    """The parsed contents of an ``environments.yml`` file.

    Attributes:
        path: the file it was read from.
        environments: the environments, in file order.
        stages: the stage rules, in file order.
    """

    path: Path
    environments: tuple[Environment, ...]
    stages: tuple[StageRule, ...] = ()

    def environment(self, name: str) -> Environment:
        """Return the environment called ``name``.

        Raises:
            InputError: no environment has that name (the message lists them).
        """
        for environment in self.environments:
            if environment.name == name:
                return environment
        known = ", ".join(env.name for env in self.environments) or "none"
        raise InputError(
            f"unknown environment {name!r} in {self.path} (known: {known})"
        )

    def environment_for_stage(self, stage: str) -> Environment:
        """Return the environment of ``stage``: its exact name first, then a regex.

        Regex keys are tried in file order and must match the whole stage name.

        Raises:
            InputError: no stage rule matches, or it names an unknown environment.
        """
        found = select(((rule.pattern, rule) for rule in self.stages), stage)
        if found is not None:
            return self.environment(found[1].environment)
        known = ", ".join(rule.pattern for rule in self.stages) or "none"
        raise InputError(
            f"unknown stage {stage!r}: no entry of 'stages:' in {self.path} "
            f"matches it (stages: {known})"
        )


def load_environments(path: str | os.PathLike[str]) -> Environments:
    """Read and check an ``environments.yml`` file.

    Args:
        path: the file to read.

    Returns:
        The environments and stage rules it defines.

    Raises:
        ConfigError: the file is missing, is not valid YAML, exceeds the YAML
            limits (nesting, aliases), or an entry is wrong (the message names the
            file and the entry).
    """
    # Only the commands that read a config file pay for PyYAML.
    import yaml

    from fleece.cli._config._document import load_yaml

    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{file}: no such file; create it or pass another with -c/--config"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{file}: cannot be read ({error})") from None
    try:
        document = load_yaml(text, str(file))
    except yaml.YAMLError as error:
        where = ""
        mark = getattr(error, "problem_mark", None)
        if mark is not None:
            where = f" at line {mark.line + 1}"
        raise ConfigError(f"{file}: not valid YAML{where}") from None
    if not isinstance(document, Mapping) or "environments" not in document:
        raise ConfigError(f"{file}: expected a mapping with an 'environments:' list")
    unknown = sorted(
        str(key) for key in document if key not in ("environments", "stages")
    )
    if unknown:
        raise ConfigError(
            f"{file}: unknown top-level key {unknown[0]!r} "
            "(expected 'environments' and optionally 'stages')"
        )
    environments = _parse_environments(file, document["environments"], text)
    stages = _parse_stages(file, document.get("stages"), environments)
    return Environments(path=file, environments=environments, stages=stages)


def _parse_environments(file: Path, entries: Any, text: str) -> tuple[Environment, ...]:
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{file}: 'environments:' must be a non-empty list")
    parsed: list[Environment] = []
    for index, entry in enumerate(entries):
        where = f"{file}: environments[{index}]"
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{where}: expected a mapping with 'name' and 'account'")
        for key in entry:
            if key not in _ENVIRONMENT_KEYS:
                raise ConfigError(
                    f"{where}: unknown key {key!r} "
                    f"(expected one of {', '.join(_ENVIRONMENT_KEYS)})"
                )
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            raise ConfigError(f"{where}: 'name' must be a non-empty string")
        where = f"{file}: environment {name!r}"
        if any(env.name == name for env in parsed):
            raise ConfigError(f"{where}: defined twice")
        parsed.append(
            Environment(
                name=name,
                account=_parse_account(
                    where,
                    entry.get("account"),
                    partial(_account_as_written, text, file, index),
                ),
                role=_parse_optional(
                    where, entry, "role", ROLE_NAME, "an IAM role name"
                ),
                rs_username_var=_parse_optional(
                    where, entry, "rs_username_var", _ENV_VAR, "a variable name"
                ),
                rs_apikey_var=_parse_optional(
                    where, entry, "rs_apikey_var", _ENV_VAR, "a variable name"
                ),
            )
        )
    return tuple(parsed)


def _parse_account(
    where: str, account: Any, as_written: Callable[[], str | None]
) -> str:
    if account is None:
        raise ConfigError(f"{where}: 'account' is missing")
    if not isinstance(account, str):
        written = as_written() or str(account)
        read = "" if written == str(account) else f" ({account!r})"
        raise ConfigError(
            f"{where}: account {written} was read as a number{read}, not text; "
            f"quote it (account: '{written}') so YAML keeps every digit"
        )
    if not ACCOUNT_ID.fullmatch(account):
        raise ConfigError(
            f"{where}: account {account!r} is not a 12-digit AWS account id"
        )
    return account


def _account_as_written(text: str, file: Path, index: int) -> str | None:
    """Return ``environments[index].account`` as the file spells it.

    YAML turned it into a number (``0123456701`` into 21913025): the message shows
    the user's own digits.
    """
    import yaml

    from fleece.cli._config._document import compose_yaml

    node: yaml.Node | None = compose_yaml(text, str(file))
    for key in ("environments", index, "account"):
        node = _child(node, key)
    return str(node.value) if isinstance(node, yaml.ScalarNode) else None


def _child(node: Any, key: str | int) -> Any:
    import yaml

    if isinstance(key, int):
        if isinstance(node, yaml.SequenceNode) and key < len(node.value):
            return node.value[key]
        return None
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                return value_node
    return None


def _parse_optional(
    where: str, entry: Mapping[str, Any], key: str, pattern: re.Pattern[str], what: str
) -> str | None:
    value = entry.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ConfigError(f"{where}: {key} {value!r} is not {what}")
    return value


def _parse_stages(
    file: Path, stages: Any, environments: tuple[Environment, ...]
) -> tuple[StageRule, ...]:
    if stages is None:
        return ()
    if not isinstance(stages, Mapping):
        raise ConfigError(
            f"{file}: 'stages:' must map stage names to {{environment: name}}"
        )
    names = {env.name for env in environments}
    rules: list[StageRule] = []
    for pattern, target in stages.items():
        where = f"{file}: stage {pattern!r}"
        if not isinstance(pattern, str) or not pattern:
            raise ConfigError(f"{where}: a stage must be a name or a /regex/")
        if not isinstance(target, Mapping) or not isinstance(
            target.get("environment"), str
        ):
            raise ConfigError(f"{where}: expected {{environment: <name>}}")
        rule = StageRule(pattern=pattern, environment=target["environment"])
        error = regex_error(pattern)
        if error is not None:
            raise ConfigError(f"{where}: not a valid regex ({error})")
        if rule.environment not in names:
            raise ConfigError(
                f"{where}: environment {rule.environment!r} is not in 'environments:'"
            )
        rules.append(rule)
    return tuple(rules)
