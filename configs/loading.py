"""Reading settings: YAML defaults, then a user's file (only the keys it names), then ``--set``.

Every layer is checked against the schema's dataclasses as it is merged, so a typo stops with
the file (or flag) and the setting's name, not deep in the tracker with a TypeError; the
defaults file itself must name every setting of the schema, which is how "defaults are written
once" is kept: nowhere else holds a value.
"""

from __future__ import annotations

import copy
import dataclasses
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

import yaml

T = TypeVar("T")


class ConfigError(ValueError):
    """A config file or override that cannot be used; the message names it."""


def read_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(Path(path).read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a config file") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: config must be a YAML mapping")
    return data


def parse_override(text: str) -> dict:
    """``tracker.min_hits=2`` -> ``{"tracker": {"min_hits": 2}}`` (the value is read as YAML)."""
    if "=" not in text:
        raise ConfigError(f"--set {text!r}: expected key.path=value")
    key, raw = text.split("=", 1)
    value: Any = yaml.safe_load(raw) if raw else ""
    for part in reversed(key.strip().split(".")):
        value = {part: value}
    return value


def _fields(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)}


def _kind(annotation: Any) -> tuple[Any, bool]:
    """(the type, whether None is allowed) of an annotation such as ``int | None``."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0], len(args) < len(typing.get_args(annotation))
    return annotation, False


def _checked(annotation: Any, value: Any, where: str, name: str) -> Any:
    """The value, if it has the setting's type (an int where a float is expected is fine; so is
    ``1e-3``, which YAML reads as a string)."""
    kind, nullable = _kind(annotation)
    if value is None and nullable:
        return value
    if kind is float and isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            pass
    if kind is bool:
        ok, wanted = isinstance(value, bool), "true or false"
    elif kind is int:
        ok, wanted = isinstance(value, int) and not isinstance(value, bool), "a whole number"
    elif kind is float:
        ok, wanted = isinstance(value, (int, float)) and not isinstance(value, bool), "a number"
    elif kind is str:
        ok, wanted = isinstance(value, str), "a string"
    elif typing.get_origin(kind) is list and typing.get_args(kind) == (int,):
        ok = isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        wanted = "a list of whole numbers"
    elif typing.get_origin(kind) is list:
        ok, wanted = isinstance(value, list) and all(isinstance(v, str) for v in value), "a list of names"
    else:
        raise TypeError(f"setting {name}: unsupported type {annotation!r} in the schema")
    if not ok:
        raise ConfigError(f"{where}: {name} must be {wanted}{' or null' if nullable else ''}, not {value!r}")
    return value


def merge(base: dict, update: dict, schema: type, where: str, moved: dict[tuple[str, ...], str],
          path: tuple[str, ...] = ()) -> dict:
    """``base`` with ``update``'s values, each checked against ``schema``; ``moved`` tells a user
    whose config names an old setting where it went."""
    out = copy.deepcopy(base)
    fields = _fields(schema)
    for key, value in update.items():
        name = ".".join((*path, str(key)))
        if key not in fields:
            if (*path, key) in moved:
                raise ConfigError(f"{where}: {name!r} {moved[(*path, key)]}")
            raise ConfigError(f"{where}: unknown setting {name!r} (known: {', '.join(fields)})")
        kind = fields[key]
        if dataclasses.is_dataclass(kind):
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: {name!r} must be a mapping")
            out[key] = merge(out.get(key, {}), value, kind, where, moved, (*path, key))
        else:
            out[key] = _checked(kind, value, where, name)
    return out


def build(schema: type[T], data: dict, where: str, path: tuple[str, ...] = ()) -> T:
    """The schema's dataclass from a complete, already checked mapping."""
    values = {}
    for key, kind in _fields(schema).items():
        name = ".".join((*path, key))
        if key not in data:
            raise ConfigError(f"{where}: setting {name!r} is missing")
        value = data[key]
        values[key] = build(kind, value, where, (*path, key)) if dataclasses.is_dataclass(kind) else value
    return schema(**values)


def load(schema: type[T], defaults: Path, path: str | Path | None, overrides: typing.Iterable[str],
         moved: dict[tuple[str, ...], str]) -> T:
    """Defaults, then the user's file (only keys it names), then ``--set`` overrides."""
    data = merge({}, read_yaml(defaults), schema, str(defaults), moved)
    if path is not None:
        data = merge(data, read_yaml(Path(path)), schema, str(path), moved)
    for text in overrides:
        data = merge(data, parse_override(text), schema, f"--set {text}", moved)
    return build(schema, data, str(defaults))


def replaced(config: T, where: str, changes: dict[str, Any]) -> T:
    """A copy of a (sub)config with ``changes`` to its own fields, type-checked like a file's."""
    fields = {k: v for k, v in _fields(type(config)).items() if not dataclasses.is_dataclass(v)}
    unknown = [key for key in changes if key not in fields]
    if unknown:
        raise ConfigError(f"{where}: unknown setting {unknown[0]!r} (known: {', '.join(fields)})")
    return dataclasses.replace(config, **{key: _checked(fields[key], value, where, key)
                                          for key, value in changes.items()})
