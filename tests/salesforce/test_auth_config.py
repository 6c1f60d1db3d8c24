"""Connection settings and the login flows: password (SOAP), JWT bearer, client credentials."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import ValidationError

from adapters.salesforce import Connection, connect
from connector.errors import ConfigError
from connector.mapping import Mapping
from tests.fakes.salesforce import FakeSalesforce
from tests.salesforce.test_reading import read


def test_each_auth_mode_lists_every_missing_setting() -> None:
    with pytest.raises(ValidationError) as info:
        Connection(auth="jwt")
    text = str(info.value)
    assert "consumer_key_env" in text and "username" in text and "private_key_file" in text
    with pytest.raises(ValidationError, match="My Domain"):
        Connection(auth="client_credentials", consumer_key_env="K", consumer_secret_env="S")
    with pytest.raises(ValidationError):
        Connection(auth="password", username_env="U", password_env="P", security_token_env="T", surprise=1)


def test_missing_environment_variables_are_reported_together() -> None:
    connection = Connection(username_env="U", password_env="P", security_token_env="T")
    with pytest.raises(ConfigError) as info:
        connect(
            connection, Mapping.load("salesforce"), env={"T": ""}, clock=lambda: None, sleep=lambda s: None
        )  # type: ignore[arg-type,return-value]
    assert len(info.value.problems) == 2  # U and P; an empty security token is allowed (trusted IP ranges)


def _adapter(fake: FakeSalesforce, connection: Connection, env: dict[str, str]):  # type: ignore[no-untyped-def]
    return connect(
        connection, Mapping.load("salesforce"), env=env, clock=lambda: fake.org.now, sleep=lambda s: None
    )


def test_jwt_bearer_login(fake: FakeSalesforce, tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = tmp_path / "server.key"
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    connection = Connection(
        auth="jwt",
        consumer_key_env="SF_KEY",
        username="qualicall@example.com",
        private_key_file=str(pem),
        login_url=fake.base_url,
        ca_file=fake.ca_file,
    )
    assert read(_adapter(fake, connection, {"SF_KEY": "CONSUMER"}))[0] == []
    assert fake.org.logins == 1


def test_client_credentials_login_on_my_domain(fake: FakeSalesforce) -> None:
    connection = Connection(
        auth="client_credentials",
        consumer_key_env="SF_KEY",
        consumer_secret_env="SF_SECRET",
        domain="acme.my",
        login_url=fake.base_url,
        ca_file=fake.ca_file,
    )
    adapter = _adapter(fake, connection, {"SF_KEY": "CONSUMER", "SF_SECRET": "SECRET"})
    assert read(adapter)[0] == []
    fake.org.tokens.clear()  # the token expires: client credentials can log in again
    assert read(adapter)[0] == [] and fake.org.logins == 2
