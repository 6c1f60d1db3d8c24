"""Configuration: TOML → validated settings; every error reported at once with its path and a hint."""

from __future__ import annotations

from pathlib import Path

import pytest

from connector.config import load_settings, validate_settings
from connector.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def problems_of(text: str, tmp_path: Path) -> list[str]:
    path = tmp_path / "q.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    return info.value.problems


def test_example_config_is_valid_and_paths_are_relative_to_it() -> None:
    settings = load_settings(ROOT / "config.example.toml")
    [(name, ps)] = settings.pipeline(None)
    assert name == "example" and ps.crm == "local"
    assert Path(ps.connection_settings.path) == ROOT / "local-crm.sqlite"
    assert (
        settings.store.resolved_url({}, settings.base_dir) == f"sqlite:///{ROOT / 'qualicall-state.sqlite'}"
    )
    assert ps.build_mapping().output["status"] == "qualicall_status"


def test_every_error_is_reported_at_once_with_its_path(tmp_path: Path) -> None:
    problems = problems_of(
        """
[store]
uri = "sqlite:///x"

[log]
level = "loud"

[pipelines.a]
crm = "local"
batch_size = 0
schedule = { interval_minutes = 5, cron = "* * * * *" }
[pipelines.a.connection]
path = "x.sqlite"
colour = "blue"
[pipelines.a.mapping.call]
notez = "notes"

[pipelines.b]
crm = "pipedrive"
""",
        tmp_path,
    )
    text = "\n".join(problems)
    assert "store.uri: unknown key (did you mean 'url'?)" in text
    assert any(p.startswith("log.level:") for p in problems)
    assert any(p.startswith("pipelines.a.batch_size:") for p in problems)
    assert "pipelines.a.schedule: set exactly one of interval_minutes or cron" in text
    assert any(p.startswith("pipelines.a.connection.colour: unknown key") for p in problems)
    assert any("pipelines.a.mapping: call.notez: not a canonical call field" in p for p in problems)
    assert any(p.startswith("pipelines.b.crm:") for p in problems)
    assert len(problems) >= 7


def test_secrets_in_the_file_are_refused_with_a_hint(tmp_path: Path) -> None:
    problems = problems_of(
        """
[pipelines.a]
crm = "local"
[pipelines.a.connection]
token = "pat-na1-123"
""",
        tmp_path,
    )
    [problem] = problems
    assert problem.startswith("pipelines.a.connection.token: unknown key")
    assert "token_env" in problem
    assert "pat-na1-123" not in problem


def test_bad_cron_missing_crm_and_unknown_preset(tmp_path: Path) -> None:
    problems = problems_of(
        """
[pipelines.a]
crm = "local"
schedule = { cron = "every tuesday" }
[pipelines.a.mapping]
preset = "nope"
[pipelines.b]
rules = "bant"
""",
        tmp_path,
    )
    text = "\n".join(problems)
    assert "pipelines.a.schedule:" in text
    assert "mapping preset 'nope' not found" in text
    assert "pipelines.b.crm: required key is missing" in text


def test_unknown_rules_pack_is_reported(tmp_path: Path) -> None:
    problems = problems_of('[pipelines.a]\ncrm = "local"\nrules = "no-such-pack"\n', tmp_path)
    assert any(p.startswith("pipelines.a.rules:") for p in problems)


def test_invalid_toml_and_missing_file(tmp_path: Path) -> None:
    assert problems_of("[pipelines\n", tmp_path)[0].startswith("not valid TOML")
    with pytest.raises(ConfigError, match="file not found"):
        load_settings(tmp_path / "absent.toml")


def test_store_url_from_environment(tmp_path: Path) -> None:
    settings = validate_settings({"store": {"url_env": "QC_URL"}}, base_dir=tmp_path)
    assert (
        settings.store.resolved_url({"QC_URL": "postgresql+psycopg://h/db"}, tmp_path)
        == "postgresql+psycopg://h/db"
    )
    with pytest.raises(ConfigError, match="QC_URL is not set"):
        settings.store.resolved_url({}, tmp_path)


def test_unknown_pipeline_name() -> None:
    settings = load_settings(ROOT / "config.example.toml")
    with pytest.raises(ConfigError, match="no such pipeline"):
        settings.pipeline("nope")


@pytest.mark.parametrize("name", ["hubspot", "salesforce"])
def test_shipped_examples_are_valid(name: str) -> None:
    settings = load_settings(ROOT / "examples" / f"{name}.toml")
    [(_, ps)] = settings.pipeline(None)
    assert ps.crm == name and ps.build_mapping().crm == name
