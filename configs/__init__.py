"""Configuration: ``default.yaml`` holds every tunable; files and ``--set key=value`` override it."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

DEFAULT_CONFIG = Path(__file__).with_name("default.yaml")


class ConfigError(ValueError):
    """A config file or override that cannot be used; the message names it."""


def _merge(base: dict, update: dict, where: str) -> dict:
    out = copy.deepcopy(base)
    for key, value in update.items():
        if key not in out:
            raise ConfigError(f"{where}: unknown setting {key!r} (known: {', '.join(sorted(out))})")
        if isinstance(out[key], dict):
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: {key!r} must be a mapping")
            out[key] = _merge(out[key], value, f"{where}:{key}")
        else:
            out[key] = value
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
