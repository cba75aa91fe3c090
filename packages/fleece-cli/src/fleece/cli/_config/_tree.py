"""What a ``fleece config`` tree means: its stages, per-stage keys and secrets.

A file has two top-level keys. ``stages`` maps a stage name, or a ``/regex/`` matching
stage names, to ``{environment, key}``: the ``environments.yml`` environment whose
credentials are used, and the KMS key that encrypts that stage's secrets. ``config`` is
any tree; a mapping whose keys all start with ``+`` holds one value per stage
(``+prod``, ``+/dev.*/``), and a string ``:encrypt:<text>`` (open form) or
``:decrypt:<ciphertext>`` (closed form) inside such a value is a secret of that stage.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from fleece.cli._config._document import ConfigDocument, is_string
from fleece.cli._errors import ConfigError
from fleece.cli._faws._stages import is_regex, regex_error, select

ENCRYPT_PREFIX = ":encrypt:"
DECRYPT_PREFIX = ":decrypt:"
STAGE_PREFIX = "+"
_TOP_LEVEL_KEYS = ("stages", "config")
_STAGE_FIELDS = ("environment", "key")


@dataclass(frozen=True)
class Stage:
    """One entry of ``stages``.

    Attributes:
        selector: the entry's key: a stage name, or ``/regex/``.
        environment: the ``environments.yml`` environment whose credentials it uses.
        key: the KMS key as written (an alias name, ``alias/...`` or an ARN).
    """

    selector: str
    environment: str
    key: str

    @property
    def kms_key_id(self) -> str:
        """The KMS ``KeyId``: ``key`` with ``alias/`` prefixed unless already there."""
        if self.key.startswith(("arn:", "alias/")):
            return self.key
        return f"alias/{self.key}"

    @property
    def region(self) -> str | None:
        """The key's region when ``key`` is an ARN, else None (the default region)."""
        if self.key.startswith("arn:"):
            parts = self.key.split(":")
            if len(parts) > 3 and parts[3]:
                return parts[3]
        return None


@dataclass(frozen=True)
class Secret:
    """A ``:encrypt:`` or ``:decrypt:`` string in the ``config`` tree.

    Attributes:
        node: the scalar holding it.
        dotted_key: where it is, e.g. ``config.db.password.+prod``.
        stage: the stage entry of the ``+stage`` key it sits under.
    """

    node: yaml.ScalarNode
    dotted_key: str
    stage: Stage

    @property
    def is_plaintext(self) -> bool:
        """Whether this is an ``:encrypt:`` (open) value."""
        return str(self.node.value).startswith(ENCRYPT_PREFIX)

    @property
    def payload(self) -> str:
        """The text after the ``:encrypt:`` / ``:decrypt:`` marker."""
        value = str(self.node.value)
        prefix = ENCRYPT_PREFIX if self.is_plaintext else DECRYPT_PREFIX
        return value[len(prefix) :]


class Stages:
    """The ``stages`` section: finds the entry for a stage name or a ``+`` key."""

    def __init__(self, entries: Mapping[str, Stage]) -> None:
        self.entries = dict(entries)

    def for_name(self, name: str) -> Stage | None:
        """Return the entry named ``name``, else the first ``/regex/`` matching it."""
        found = select(self.entries.items(), name)
        return None if found is None else found[1]

    def for_selector(self, selector: str) -> Stage | None:
        """Return the entry for a ``+`` key's selector (a name or ``/regex/``)."""
        if selector in self.entries:
            return self.entries[selector]
        if is_regex(selector):
            return None
        return self.for_name(selector)

    def describe(self) -> str:
        """List the entries' selectors for an error message."""
        return ", ".join(self.entries) or "none"


@dataclass
class ConfigTree:
    """A parsed, checked configuration document.

    Attributes:
        document: the document (text and nodes).
        stages: its ``stages`` section.
        config: the node of its ``config`` section (None when absent or empty).
    """

    document: ConfigDocument
    stages: Stages
    config: yaml.Node | None

    @classmethod
    def parse(cls, text: str, source: str) -> ConfigTree:
        """Parse and check a configuration.

        Args:
            text: YAML or JSON text.
            source: where it came from, for error messages.

        Raises:
            ConfigError: the text does not parse or the tree is not a valid
                configuration; the message names the offending dotted key.
        """
        document = ConfigDocument.parse(text, source)
        root = document.root
        if root is None or _is_null(root):
            return cls(document, Stages({}), None)
        if not isinstance(root, yaml.MappingNode):
            raise ConfigError(
                f"{source} must be a mapping with the keys 'stages' and 'config'"
            )
        sections: dict[str, yaml.Node] = {}
        for key_node, value_node in root.value:
            key = _key_text(key_node, "")
            if key not in _TOP_LEVEL_KEYS:
                raise ConfigError(
                    f"{key}: unknown top-level key in {source}; "
                    "expected 'stages' and 'config'"
                )
            sections[key] = value_node
        stages = _parse_stages(sections.get("stages"))
        config = sections.get("config")
        if config is not None and _is_null(config):
            config = None
        tree = cls(document, stages, config)
        # Walking checks the whole tree: mixed keys, unknown stages, misplaced secrets.
        for _ in tree.secrets():
            pass
        return tree

    def secrets(self) -> Iterator[Secret]:
        """Yield every secret of the ``config`` tree, in document order.

        Raises:
            ConfigError: a key mixes ``+stage`` and plain keys, names an unknown stage,
                nests ``+stage`` keys, or a secret is not under a ``+stage`` key.
        """
        if self.config is None:
            return
        owners: dict[int, Stage] = {}
        for secret in _walk(self.config, "config", None, self.stages):
            owner = owners.get(id(secret.node))
            if owner is None:
                owners[id(secret.node)] = secret.stage
                yield secret
            elif owner is not secret.stage:
                raise ConfigError(
                    f"{secret.dotted_key}: this secret is shared (YAML alias) by "
                    f"stages {owner.selector!r} and {secret.stage.selector!r}; "
                    "give each stage its own value"
                )

    def select(self, name: str) -> Any:
        """Return the ``config`` data as stage ``name`` sees it (see `select_stage`).

        Raises:
            ConfigError: no ``stages`` entry matches ``name``.
        """
        self.stage(name)
        data = self.document.data() or {}
        return select_stage(data.get("config") or {}, name)

    def stage(self, name: str) -> Stage:
        """Return the ``stages`` entry for stage ``name``.

        Raises:
            ConfigError: no entry matches ``name``.
        """
        stage = self.stages.for_name(name)
        if stage is None:
            raise ConfigError(
                f"unknown stage {name!r}: the config's stages are "
                f"{self.stages.describe()}"
            )
        return stage


def select_stage(data: Any, name: str, dotted_key: str = "config") -> Any:
    """Return the ``config`` data as stage ``name`` sees it.

    Each ``+stage`` mapping is replaced by the value of ``+name``, else by the value of
    the first ``+/regex/`` matching ``name``; with neither, the key is left out.

    Args:
        data: the loaded ``config`` section.
        name: the stage.
        dotted_key: where ``data`` is, for recursion.

    Returns:
        The stage's configuration; each secret is a `StageValue` (still marked
        ``:decrypt:...``) that records the ``+`` key it was chosen under.
    """
    return _select(data, name, dotted_key)[1]


@dataclass(frozen=True)
class StageValue:
    """A string chosen for a stage, with the ``+`` key it was chosen under."""

    value: str
    selector: str
    dotted_key: str


def _select(data: Any, name: str, dotted_key: str) -> tuple[bool, Any]:
    if isinstance(data, dict):
        if data and all(str(key).startswith(STAGE_PREFIX) for key in data):
            choice = _stage_choice(data, name)
            if choice is None:
                return False, None
            key, value = choice
            chosen = _select(value, name, f"{dotted_key}.{key}")[1]
            return True, _mark(chosen, key[len(STAGE_PREFIX) :])
        selected = {}
        for key, value in data.items():
            present, chosen = _select(value, name, f"{dotted_key}.{key}")
            if present:
                selected[key] = chosen
        return True, selected
    if isinstance(data, list):
        items = []
        for index, value in enumerate(data):
            present, chosen = _select(value, name, f"{dotted_key}[{index}]")
            if present:
                items.append(chosen)
        return True, items
    if isinstance(data, str) and data.startswith((ENCRYPT_PREFIX, DECRYPT_PREFIX)):
        return True, StageValue(data, "", dotted_key)
    return True, data


def _stage_choice(data: dict[str, Any], name: str) -> tuple[str, Any] | None:
    """Return the ``+`` key (and value) for stage ``name``: exact, else first regex."""
    found = select(
        ((key[len(STAGE_PREFIX) :], (key, value)) for key, value in data.items()), name
    )
    return None if found is None else found[1]


def _mark(data: Any, selector: str) -> Any:
    """Record on each secret which ``+`` selector it was chosen under."""
    if isinstance(data, StageValue):
        return StageValue(data.value, selector, data.dotted_key)
    if isinstance(data, dict):
        return {key: _mark(value, selector) for key, value in data.items()}
    if isinstance(data, list):
        return [_mark(value, selector) for value in data]
    return data


def _walk(
    node: yaml.Node, dotted_key: str, stage: Stage | None, stages: Stages
) -> Iterator[Secret]:
    if isinstance(node, yaml.MappingNode):
        keys = [(_key_text(key, dotted_key), value) for key, value in node.value]
        per_stage = [key for key, _ in keys if key.startswith(STAGE_PREFIX)]
        if per_stage and len(per_stage) != len(keys):
            plain = next(key for key, _ in keys if not key.startswith(STAGE_PREFIX))
            raise ConfigError(
                f"{dotted_key}: mixes per-stage keys ({per_stage[0]}) with plain keys "
                f"({plain}); use only '+stage' keys or only plain keys in one mapping"
            )
        for key, value in keys:
            child_key = f"{dotted_key}.{key}"
            child_stage = stage
            if per_stage:
                if stage is not None:
                    raise ConfigError(
                        f"{child_key}: per-stage keys inside the value of "
                        f"'+{stage.selector}'; a value belongs to one stage only"
                    )
                child_stage = _stage_of_key(key, child_key, stages)
            yield from _walk(value, child_key, child_stage, stages)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _walk(item, f"{dotted_key}[{index}]", stage, stages)
    elif is_string(node) and str(node.value).startswith(
        (ENCRYPT_PREFIX, DECRYPT_PREFIX)
    ):
        if stage is None:
            marker = str(node.value)[: len(ENCRYPT_PREFIX)]
            raise ConfigError(
                f"{dotted_key}: {marker} values are only allowed under a '+stage' "
                "key, whose stage names the KMS key; refusing to store it"
            )
        secret = Secret(node, dotted_key, stage)
        if not secret.payload:
            raise ConfigError(
                f"{dotted_key}: an empty secret; write it after '{ENCRYPT_PREFIX}'"
            )
        yield secret


def _stage_of_key(key: str, dotted_key: str, stages: Stages) -> Stage:
    selector = key[len(STAGE_PREFIX) :]
    if not selector:
        raise ConfigError(f"{dotted_key}: a '+' key needs a stage name or /regex/")
    _check_regex(selector, dotted_key)
    stage = stages.for_selector(selector)
    if stage is None:
        raise ConfigError(
            f"{dotted_key}: unknown stage {selector!r}; the config's stages are "
            f"{stages.describe()}"
        )
    return stage


def _parse_stages(node: yaml.Node | None) -> Stages:
    if node is None or _is_null(node):
        return Stages({})
    if not isinstance(node, yaml.MappingNode):
        raise ConfigError(
            "stages: must be a mapping of stage name or /regex/ to {environment, key}"
        )
    entries: dict[str, Stage] = {}
    for key_node, value_node in node.value:
        selector = _key_text(key_node, "stages")
        dotted_key = f"stages.{selector}"
        _check_regex(selector, dotted_key)
        if not isinstance(value_node, yaml.MappingNode):
            raise ConfigError(f"{dotted_key}: must be a mapping {{environment, key}}")
        fields: dict[str, str] = {}
        for field_node, field_value in value_node.value:
            field = _key_text(field_node, dotted_key)
            if field not in _STAGE_FIELDS:
                raise ConfigError(
                    f"{dotted_key}.{field}: unknown stage setting; "
                    "expected 'environment' and 'key'"
                )
            if not is_string(field_value) or not str(field_value.value).strip():
                raise ConfigError(f"{dotted_key}.{field}: must be a non-empty string")
            fields[field] = str(field_value.value)
        for field in _STAGE_FIELDS:
            if field not in fields:
                raise ConfigError(f"{dotted_key}.{field}: missing")
        entries[selector] = Stage(selector, fields["environment"], fields["key"])
    return Stages(entries)


def _key_text(node: yaml.Node, parent: str) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise ConfigError(f"{parent or 'top level'}: keys must be strings")
    return str(node.value)


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _check_regex(selector: str, dotted_key: str) -> None:
    error = regex_error(selector)
    if error is not None:
        raise ConfigError(
            f"{dotted_key}: {selector} is not a valid regular expression: {error}"
        )
