"""How one setting is declared: its wire key, JSON type, default, range and description.

:class:`poe_lsp.settings.Settings` declares each of its fields with :func:`setting`, so the
field, what :func:`poe_lsp.settings.parse_settings` accepts, and what the editors show
(``editors/contract.json``, from which the clients' settings are generated or checked) are
one declaration.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Final, Literal

JsonType = Literal["string", "integer", "number", "boolean", "array", "object"]

SPEC: Final = "poe_lsp.setting"
"""The key of a field's metadata that holds its :class:`Setting`."""


@dataclass(frozen=True)
class Setting:
    """One key of the ``poe`` settings object, as the editors see it."""

    key: str
    """The camelCase key on the wire."""
    type: JsonType
    description: str
    """One or two Markdown sentences, the same in every editor; other settings appear as
    ```key```."""
    default: Any = None
    """The JSON default; ``None`` means unset, and :attr:`unset` says what that means."""
    unset: str | None = None
    """What an unset value means, when the default is ``None`` (Markdown)."""
    minimum: float | None = None
    maximum: float | None = None
    details: str | None = None
    """What the server's README adds after the description: what the server does with it."""
    enum: tuple[str, ...] | None = None
    items: JsonType | None = None
    """The type of an array's items."""
    properties: tuple[str, ...] | None = None
    """The keys an object may have (each of type :attr:`values`)."""
    values: JsonType | None = None
    user_only: bool = False
    """Only the user's own configuration may set it, never a project's: it decides where the
    key goes or which bots spend points (VS Code: ``"scope": "application"``). The server
    widens what it trusts only from its environment, which clients fill from such settings."""

    def range_text(self) -> str:
        """``"0-500"``, or ``""`` without a range."""
        if self.minimum is None or self.maximum is None:
            return ""
        return f"{self.minimum:.12g}-{self.maximum:.12g}"

    def to_json(self) -> dict[str, Any]:
        """The wire form in ``editors/contract.json``: only what is set."""
        obj: dict[str, Any] = {
            "type": self.type,
            "description": self.description,
            "default": _json_value(self.default),
        }
        optional = {
            "unset": self.unset,
            "details": self.details,
            "minimum": _json_value(self.minimum),
            "maximum": _json_value(self.maximum),
            "enum": list(self.enum) if self.enum is not None else None,
            "items": self.items,
            "properties": list(self.properties) if self.properties is not None else None,
            "values": self.values,
        }
        obj.update({k: v for k, v in optional.items() if v is not None})
        if self.user_only:
            obj["userOnly"] = True
        return obj


def setting(
    key: str, type: JsonType, default: Any, description: str, *, shown: bool = True, **options: Any
) -> Any:
    """Declare a :class:`Settings` field: ``bot: str = setting("bot", "string", ...)``.

    The field's default is ``default`` (a tuple for an array, a fresh dict for an object);
    ``shown=False`` keeps it out of the repr (the key). ``options`` are :class:`Setting`'s.
    """
    spec = Setting(key, type, description, default, **options)
    metadata = {SPEC: spec}
    if isinstance(default, dict):
        frozen = dict(default)
        return dataclasses.field(default_factory=lambda: dict(frozen), metadata=metadata)
    if isinstance(default, list | tuple):
        return dataclasses.field(default=tuple(default), metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata, repr=shown)


def declared(cls: type) -> dict[str, Setting]:
    """The settings a dataclass declares with :func:`setting`, by wire key, in field order."""
    specs = (f.metadata.get(SPEC) for f in dataclasses.fields(cls))
    return {spec.key: spec for spec in specs if isinstance(spec, Setting)}


def fields_doc(cls: type) -> str:
    """A docstring section listing the declared settings, for ``help(Settings)``."""
    lines = ["", "", "Settings (wire key: description):", ""]
    for f in dataclasses.fields(cls):
        spec = f.metadata.get(SPEC)
        if isinstance(spec, Setting):
            bounds = f" ({spec.range_text()})" if spec.range_text() else ""
            lines.append(f"* ``{f.name}`` (``{spec.key}``): {spec.description}{bounds}")
    return "\n".join(lines)


def _json_value(value: Any) -> Any:
    """JSON-ready: tuples as lists, whole floats as integers (``120.0`` -> ``120``)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, tuple | list):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    return value
