"""Configuration: ``[tool.rulelint]`` in pyproject.toml or a ``.rulelint.toml``, found upward from
the checked files, validated with the JSON Schema shipped in the package."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from rulelint.settings import Settings
from rulelint.vocab.tables import DATA_DIR

SCHEMA_PATH = DATA_DIR / "schemas" / "config.json"

THRESHOLDS = {
    "noisy-min-reach": "noisy_min_reach",
    "noisy-share": "noisy_share",
    "exclusion-min-support": "exclusion_min_support",
    "exclusion-min-share": "exclusion_min_share",
    "exclusion-min-peers": "exclusion_min_peers",
    "exclusion-max-suggestions": "exclusion_max_suggestions",
}


class ConfigError(Exception):
    """A configuration that cannot be used: the message names the file and the key."""


@dataclass(slots=True)
class Config:
    settings: Settings
    path: Path | None = None
    catalog: Path | None = None
    extra_rules: list[Path] = field(default_factory=list)


def find_config(start: Path) -> Path | None:
    """The nearest ``.rulelint.toml``, or ``pyproject.toml`` with ``[tool.rulelint]``, upward."""
    folder = start if start.is_dir() else start.parent
    for candidate in [folder.resolve(), *folder.resolve().parents]:
        dotfile = candidate / ".rulelint.toml"
        if dotfile.is_file():
            return dotfile
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file():
            try:
                if "rulelint" in tomllib.loads(pyproject.read_text(encoding="utf-8")).get(
                    "tool", {}
                ):
                    return pyproject
            except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
                continue  # someone else's broken pyproject: not ours to complain about
    return None


def _where(path: Path) -> str:
    return f"{path.name} [tool.rulelint]" if path.name == "pyproject.toml" else path.name


def _describe(error: Any, path: Path) -> str:
    where = _where(path)
    location = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "additionalProperties" and not location:
        allowed = json.loads(SCHEMA_PATH.read_text())["properties"]
        unknown = sorted(set(error.instance) - set(allowed))
        return f"{where}: unknown key {unknown[0]!r} (known keys: {', '.join(sorted(allowed))})"
    if error.validator == "enum":
        choices = ", ".join(str(c) for c in error.validator_value)
        return f"{where}: {location!r} must be one of {choices} (got {error.instance!r})"
    if error.validator == "pattern" or (error.validator == "$ref" and location):
        return f"{where}: {location!r}: {error.instance!r} is not a check code, prefix or name (see 'rulelint explain')"
    subject = f"{location!r}" if location else "the table"
    return f"{where}: {subject}: {error.message}"


def load_table(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path.name}: invalid TOML: {error}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from None
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("rulelint", {})
        if not isinstance(table, dict):
            raise ConfigError(f"{path.name}: [tool.rulelint] must be a table")
        return table
    return data


def validate(table: dict[str, Any], path: Path) -> None:
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(
        validator.iter_errors(table), key=lambda e: (list(e.absolute_path), e.validator)
    )
    if errors:
        raise ConfigError(_describe(errors[0], path))


def load_config(path: Path | None) -> Config:
    """Settings from a configuration file (defaults when ``path`` is None)."""
    settings = Settings()
    if path is None:
        return Config(settings)
    table = load_table(path)
    validate(table, path)
    base = path.parent
    settings.source = str(path)
    settings.select = list(table.get("select", []))
    settings.ignore = list(table.get("ignore", []))
    settings.fail_on = table.get("fail-on", settings.fail_on)
    settings.severity_overrides = dict(table.get("severity", {}))
    settings.per_file_ignores = {
        pattern: list(codes) for pattern, codes in table.get("per-file-ignores", {}).items()
    }
    settings.suppress = {
        rule_id: list(codes) for rule_id, codes in table.get("suppress", {}).items()
    }
    settings.exclude = list(table.get("exclude", []))
    for key, attribute in THRESHOLDS.items():
        if key in table:
            setattr(settings, attribute, table[key])
    catalog = (base / table["catalog"]).resolve() if "catalog" in table else None
    if catalog is not None and not catalog.is_file():
        raise ConfigError(f"{_where(path)}: 'catalog': {table['catalog']} does not exist")
    extra = [(base / folder).resolve() for folder in table.get("extra-rules", [])]
    for folder, written in zip(extra, table.get("extra-rules", []), strict=True):
        if not folder.is_dir():
            raise ConfigError(f"{_where(path)}: 'extra-rules': {written} is not a folder")
    return Config(settings, path, catalog, extra)
