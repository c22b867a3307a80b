"""Configuration: ``default.yaml`` holds every tunable; files and ``--set key=value`` override it."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

DEFAULT_CONFIG = Path(__file__).with_name("default.yaml")


class ConfigError(ValueError):
    """A config file or override that cannot be used; the message names it."""


# settings whose default is a value but that also take null (see their comments in default.yaml)
_NULLABLE = {("matcher", "flow_width")}
# settings that moved: old path -> new path, so an old config gets told where
_MOVED = {("matcher", "threads"): "threads", ("video", "fourcc"): "video.codec"}


def _checked(default: Any, value: Any, where: str, path: tuple[str, ...]) -> Any:
    """The value, if it has its default's type (an int where a float is expected is fine; so is
    ``1e-3``, which YAML reads as a string): a typo should stop here with the setting's name,
    not deep in the tracker with a TypeError."""
    if default is None or (value is None and path in _NULLABLE):
        return value
    if isinstance(default, float) and isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            pass
    if isinstance(default, bool):
        ok, kind = isinstance(value, bool), "true or false"
    elif isinstance(default, int):
        ok, kind = isinstance(value, int) and not isinstance(value, bool), "a whole number"
    elif isinstance(default, float):
        ok, kind = isinstance(value, (int, float)) and not isinstance(value, bool), "a number"
    elif isinstance(default, str):
        ok, kind = isinstance(value, str), "a string"
    elif isinstance(default, list):
        ok, kind = isinstance(value, list), "a list"
    else:
        return value
    if not ok:
        raise ConfigError(f"{where}: {'.'.join(path)} must be {kind}, not {value!r}")
    return value


def _merge(base: dict, update: dict, where: str, path: tuple[str, ...] = ()) -> dict:
    out = copy.deepcopy(base)
    for key, value in update.items():
        if key not in out:
            if (*path, key) in _MOVED:
                raise ConfigError(f"{where}: {'.'.join((*path, key))!r} is now {_MOVED[(*path, key)]!r}")
            raise ConfigError(f"{where}: unknown setting {'.'.join((*path, key))!r} "
                              f"(known: {', '.join(sorted(out))})")
        if isinstance(out[key], dict):
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: {'.'.join((*path, key))!r} must be a mapping")
            out[key] = _merge(out[key], value, where, (*path, key))
        else:
            out[key] = _checked(out[key], value, where, (*path, key))
    return out


def _read_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
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


def load_config(path: str | Path | None = None, overrides: list[str] | tuple[str, ...] = ()) -> dict:
    """Defaults, then the user's file (only keys it names), then ``--set`` overrides."""
    config = _read_yaml(DEFAULT_CONFIG)
    if path is not None:
        config = _merge(config, _read_yaml(Path(path)), str(path))
    for text in overrides:
        config = _merge(config, parse_override(text), f"--set {text}")
    return config
