"""Contract-suite harness for the Salesforce adapter: the wire-level fake (tests/fakes/salesforce) over
loopback HTTPS with a trustme CA, driven by the real simple-salesforce through the adapter."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from adapters.salesforce import Connection, SalesforceAdapter, connect
from connector.mapping import Mapping
from connector.model import Call
from tests.fakes.salesforce import FakeSalesforce, running
from tests.fakes.salesforce.org import to_json
from tests.fakes.salesforce.seed import Seeder

ENV = {"SF_USER": "qualicall@example.com", "SF_PASSWORD": "s3cret", "SF_TOKEN": "TOKEN"}


def make_adapter(
    fake: FakeSalesforce, sleeps: list[float] | None = None, **settings: Any
) -> SalesforceAdapter:
    """A password-auth adapter on the fake; `sleeps` records the backoff waits (nothing really sleeps)."""
    waits = sleeps if sleeps is not None else []
    values: dict[str, Any] = {
        "auth": "password",
        "username_env": "SF_USER",
        "password_env": "SF_PASSWORD",
        "security_token_env": "SF_TOKEN",
        "login_url": fake.base_url,
        "ca_file": fake.ca_file,
        "batch_size": 200,
        **settings,
    }
    env = {**ENV, **settings.pop("env", {})} if "env" in settings else ENV
    values.pop("env", None)
    return connect(
        Connection(**values),
        Mapping.load("salesforce"),
        env=env,
        clock=lambda: fake.org.now + timedelta(hours=1),
        sleep=waits.append,
    )


class SalesforceHarness:
    def __init__(self, fake: FakeSalesforce) -> None:
        self.fake = fake
        self.org = fake.org
        self.seeder = Seeder(fake.org)
        self.adapter = make_adapter(fake)

    def seed(self, calls: Iterable[Call]) -> list[str]:
        return self.seeder.calls(calls)

    def edit_notes(self, crm_id: str, notes: str) -> None:
        with self.org.lock:
            self.org.update("Task", crm_id, {"Description": notes})

    def delete(self, crm_id: str) -> None:
        with self.org.lock:
            self.org.delete(crm_id)

    def call_fields(self, crm_id: str) -> dict[str, Any]:
        with self.org.lock:
            return {k: to_json(v) for k, v in self.org.records["Task"][crm_id].items()}

    def tasks(self) -> list[dict[str, Any]]:
        with self.org.lock:
            return [
                {k: to_json(v) for k, v in r.items()}
                for r in self.org.records["Task"].values()
                if r.get("TaskSubtype") != "Call" and not r["IsDeleted"]
            ]


@contextmanager
def make_harness(tmp_path: Path) -> Iterator[SalesforceHarness]:
    with running(tmp_dir=tmp_path) as fake:
        harness = SalesforceHarness(fake)
        try:
            yield harness
        finally:
            harness.adapter.close()
