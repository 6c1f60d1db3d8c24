"""Configuration: a TOML file → validated `Settings`.

Every problem in the file is reported at once, each with its TOML path and a hint, in one ConfigError:
unknown keys (with the closest known key), wrong types, an unknown CRM or preset, a connection table
that does not fit the CRM's adapter, an invalid mapping override, a rules file with errors, a bad
schedule. Secrets never live in the TOML: connection tables name environment variables
(`token_env = "HUBSPOT_TOKEN"`); a key that looks like a secret is rejected with that hint.

Layout (see config.example.toml):

    [store]  url = "sqlite:///qualicall.sqlite"   (or url_env = "QUALICALL_STORE_URL")
    [log]    level = "info", format = "console" | "json"
    [kpi]    KPI settings (connector.kpi.KpiSettings)
    [compliance]  compliance policy (connector.compliance.ComplianceSettings)
    [pipelines.<name>]  crm, rules, dry_run, batch_size, schedule, [connection], [mapping], [ab]
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable
from collections.abc import Mapping as AbcMapping
from pathlib import Path
from typing import Any, Literal

from apscheduler.triggers.cron import CronTrigger
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from adapters.registry import CRMS, connection_model
from connector.errors import ConfigError
from connector.mapping import Mapping

_SECRETISH = re.compile(r"(token|password|secret|private_key|api_key)$", re.I)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StoreSettings(_Strict):
    """Where the state lives: any SQLAlchemy URL; SQLite file by default."""

    url: str = "sqlite:///qualicall.sqlite"
    url_env: str | None = Field(default=None, description="Read the URL from this environment variable")

    def resolved_url(self, env: AbcMapping[str, str], base_dir: Path) -> str:
        """The URL to connect to; relative SQLite paths are relative to the config file's folder."""
        url = self.url
        if self.url_env:
            if self.url_env not in env:
                raise ConfigError([f"store.url_env: environment variable {self.url_env} is not set"])
            url = env[self.url_env]
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix + ":memory:":
            url = prefix + str((base_dir / url[len(prefix) :]).resolve())
        return url


class LogSettings(_Strict):
    level: Literal["debug", "info", "warning", "error"] = "info"
    format: Literal["console", "json"] = "console"


class Schedule(_Strict):
    """When the daemon runs a pipeline: every N minutes, or a cron expression (crontab syntax)."""

    interval_minutes: float | None = Field(default=None, gt=0)
    cron: str | None = None
    timezone: str = "UTC"

    @model_validator(mode="after")
    def _one_of(self) -> Schedule:
        if (self.interval_minutes is None) == (self.cron is None):
            raise ValueError("set exactly one of interval_minutes or cron")
        if self.cron is not None:
            CronTrigger.from_crontab(self.cron, timezone=self.timezone)
        return self


class MappingSettings(BaseModel):
    """`preset` plus override tables (call, prospect, company, output, output_prospect, task, mapping)."""

    model_config = ConfigDict(extra="allow")
    preset: str | None = None


class PipelineSettings(_Strict):
    """One pipeline: a CRM connection, a mapping, a ruleset and a schedule."""

    crm: Literal["local", "hubspot", "salesforce"]
    rules: str = "bant"
    dry_run: bool = False
    batch_size: int = Field(default=100, ge=1, le=1000)
    schedule: Schedule = Field(default_factory=lambda: Schedule(interval_minutes=15))
    connection: dict[str, Any] = Field(default_factory=dict)
    mapping: MappingSettings = Field(default_factory=MappingSettings)
    ab: dict[str, Any] | None = None
    # Filled by `load_settings` after validation:
    connection_settings: Any = Field(default=None, exclude=True)
    mapping_obj: Any = Field(default=None, exclude=True)
    ab_settings: Any = Field(default=None, exclude=True)

    def build_mapping(self) -> Mapping:
        """The validated mapping (preset + overrides)."""
        result: Mapping = self.mapping_obj
        return result


class Settings(_Strict):
    """The whole validated configuration."""

    store: StoreSettings = Field(default_factory=StoreSettings)
    log: LogSettings = Field(default_factory=LogSettings)
    kpi: dict[str, Any] = Field(default_factory=dict)
    compliance: dict[str, Any] = Field(default_factory=dict)
    pipelines: dict[str, PipelineSettings] = Field(default_factory=dict)
    # Filled by `load_settings`:
    kpi_settings: Any = Field(default=None, exclude=True)
    compliance_settings: Any = Field(default=None, exclude=True)
    base_dir: Path = Field(default=Path("."), exclude=True)

    def pipeline(self, name: str | None) -> list[tuple[str, PipelineSettings]]:
        """The named pipeline, or all of them when name is None; ConfigError for an unknown name."""
        if name is None:
            return list(self.pipelines.items())
        if name not in self.pipelines:
            raise ConfigError([f"pipelines.{name}: no such pipeline (have: {', '.join(self.pipelines)})"])
        return [(name, self.pipelines[name])]


def _hint_unknown(path: tuple[str | int, ...], allowed: list[str]) -> str:
    key = str(path[-1])
    if _SECRETISH.search(key):
        return f'secrets are never read from the file: set {key}_env = "ENV_VAR_NAME" instead'
    close = difflib.get_close_matches(key, allowed, n=1)
    return f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(sorted(allowed))}"


def _fields_at(model: type[BaseModel], path: tuple[str | int, ...]) -> list[str]:
    """Best-effort list of the keys allowed at `path` (for hints)."""
    current: Any = model
    for part in path[:-1]:
        if isinstance(current, type) and issubclass(current, BaseModel):
            info = current.model_fields.get(str(part))
            if info is None:
                return []
            ann = info.annotation
            args = getattr(ann, "__args__", ())
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                current = ann
            elif args and isinstance(args[-1], type) and issubclass(args[-1], BaseModel):
                current = args[-1]
            else:
                current = None
        else:
            # dict[str, Model] keys: skip the name part
            continue
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _collect(model: type[BaseModel], data: Any, prefix: str, problems: list[str]) -> BaseModel | None:
    """Validate `data` with `model`; append every error as 'prefix.path: message (hint)'."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            where = ".".join(str(p) for p in (prefix, *loc) if p != "") or "(top level)"
            message = err["msg"]
            if err["type"] == "extra_forbidden":
                message = f"unknown key ({_hint_unknown(loc, _fields_at(model, loc))})"
            elif err["type"] == "missing":
                message = "required key is missing"
            elif err["type"] == "value_error":
                message = message.removeprefix("Value error, ")
            problems.append(f"{where}: {message}")
        return None


def _sub(
    table: AbcMapping[str, Any],
    key: str,
    path: str,
    problems: list[str],
    factory: Callable[[], type[BaseModel]],
) -> Any:
    try:
        model = factory()
    except ImportError as exc:  # pragma: no cover - only while a module is missing from an install
        problems.append(f"{path}: cannot be validated ({exc})")
        return None
    return _collect(model, table.get(key) or {}, path, problems)


def _kpi_model() -> type[BaseModel]:
    from connector.kpi import KpiSettings

    return KpiSettings


def _compliance_model() -> type[BaseModel]:
    from connector.compliance import ComplianceSettings

    return ComplianceSettings


def _ab_model() -> type[BaseModel]:
    from connector.variants import VariantSettings

    return VariantSettings


def validate_settings(
    raw: AbcMapping[str, Any], *, source: str = "config", base_dir: Path | None = None
) -> Settings:
    """Validate a parsed TOML document; raise ConfigError listing every problem found."""
    problems: list[str] = []
    root = _collect(Settings, raw, "", problems)
    if not isinstance(root, Settings):
        # Still validate the pipelines we can read so that every error is reported at once.
        pipelines = raw.get("pipelines") if isinstance(raw.get("pipelines"), dict) else {}
        for name, table in (pipelines or {}).items():
            if isinstance(table, dict):
                _check_pipeline(name, table, problems, base_dir or Path("."))
        raise ConfigError(problems, source=source)
    root.base_dir = base_dir or Path(".")
    root.kpi_settings = _sub(raw, "kpi", "kpi", problems, _kpi_model)
    root.compliance_settings = _sub(raw, "compliance", "compliance", problems, _compliance_model)
    for name, pipeline in root.pipelines.items():
        _check_pipeline(name, raw["pipelines"][name], problems, root.base_dir, pipeline)
    if problems:
        raise ConfigError(problems, source=source)
    return root


def _check_pipeline(
    name: str,
    table: AbcMapping[str, Any],
    problems: list[str],
    base_dir: Path,
    pipeline: PipelineSettings | None = None,
) -> None:
    path = f"pipelines.{name}"
    crm = table.get("crm")
    if crm not in CRMS:
        return  # reported by the root validation
    connection = _collect(
        connection_model(crm), table.get("connection") or {}, f"{path}.connection", problems
    )
    mapping_table = dict(table.get("mapping") or {})
    preset = mapping_table.pop("preset", None) or crm
    mapping: Mapping | None = None
    try:
        mapping = Mapping.load(str(_relative(preset, base_dir)), mapping_table)
    except ConfigError as exc:
        problems.extend(f"{path}.mapping: {p} ({exc.source})" for p in exc.problems)
    rules = table.get("rules", "bant")
    try:
        from connector.rules import load_ruleset

        load_ruleset(str(_relative(rules, base_dir)))
    except ConfigError as exc:
        problems.extend(f"{path}.rules: {p}" for p in exc.problems)
    ab = None
    if table.get("ab") is not None:
        ab = _sub(table, "ab", f"{path}.ab", problems, _ab_model)
        for variant in getattr(ab, "variants", {}).values():
            if variant.rules:
                variant.rules = str(_relative(variant.rules, base_dir))
    if crm == "local" and connection is not None:
        local_path = Path(str(connection.model_dump()["path"]))
        if not local_path.is_absolute():
            connection = connection.model_copy(update={"path": str(base_dir / local_path)})
    if pipeline is not None:
        pipeline.connection_settings = connection
        pipeline.mapping_obj = mapping
        pipeline.ab_settings = ab
        pipeline.rules = str(_relative(rules, base_dir))


def _relative(value: str, base_dir: Path) -> str | Path:
    """A file path relative to the config file's folder; a bare name (pack, preset) stays as it is."""
    if value.endswith(".toml") and not Path(value).is_absolute():
        return base_dir / value
    return value


def load_settings(path: str | Path) -> Settings:
    """Read and validate a TOML config file; raise ConfigError listing every problem."""
    file = Path(path)
    if not file.exists():
        raise ConfigError([f"{file}: file not found"], source=str(file))
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"not valid TOML: {exc}"], source=str(file)) from None
    return validate_settings(raw, source=str(file), base_dir=file.resolve().parent)
