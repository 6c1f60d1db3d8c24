"""`[pipelines.<name>.connection]` for crm = "salesforce": the validated connection settings.

Secrets are never fields: only the *names* of environment variables holding them (`*_env`). Every
problem is reported at once (pydantic collects field errors; the cross-field check lists every missing
setting of the chosen auth mode in one message).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from connector.errors import ConfigError

AuthMode = Literal["password", "jwt", "client_credentials", "access_token"]

_REQUIRED: dict[str, tuple[str, ...]] = {
    "password": ("username_env", "password_env", "security_token_env"),
    "jwt": ("consumer_key_env", "username", "private_key_file"),
    "client_credentials": ("consumer_key_env", "consumer_secret_env"),
    "access_token": ("access_token_env", "instance_url"),
}


class Connection(BaseModel):
    """How to reach one Salesforce org, and how much of its API allowance Qualicall may use.

    Auth modes: `password` (username + password + security token, SOAP login), `jwt` (connected app
    consumer key + private key file, OAuth JWT bearer flow), `client_credentials` (consumer key + secret,
    needs a My Domain), `access_token` (a token and instance URL, e.g. from `sf org display`; cannot log
    in again when it expires). `domain` is "login", "test" (sandbox) or a My Domain prefix such as
    "acme.my". `login_url` / `ca_file` redirect the login host and trust a private CA (tests, proxies).
    """

    model_config = ConfigDict(extra="forbid")

    auth: AuthMode = "password"
    username_env: str | None = None
    password_env: str | None = None
    security_token_env: str | None = None
    consumer_key_env: str | None = None
    consumer_secret_env: str | None = None
    username: str | None = Field(default=None, description="JWT subject (not a secret)")
    private_key_file: str | None = None
    access_token_env: str | None = None
    instance_url: str | None = None
    domain: str = Field(default="login", pattern=r"^[A-Za-z0-9][A-Za-z0-9.-]*$")
    api_version: str = Field(default="59.0", pattern=r"^\d{2,3}\.0$")
    batch_size: int = Field(default=2000, ge=200, le=2000, description="Sforce-Query-Options batchSize")
    daily_share: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="Stop when the org has used this share of its daily API allowance",
    )
    bulk_threshold: int = Field(
        default=10000,
        ge=1,
        description="A first sync (no cursor) of more calls than this reads them with a Bulk API 2.0 job",
    )
    settle_seconds: int = Field(default=0, ge=0, description="Read changes up to now minus this lag")
    max_attempts: int = Field(default=5, ge=1, le=10)
    timeout_s: float = Field(default=60.0, gt=0)
    login_url: str | None = Field(
        default=None, pattern=r"^https://", description="Override of the login host"
    )
    ca_file: str | None = Field(
        default=None, description="PEM bundle of CAs to trust instead of the system's"
    )

    @model_validator(mode="after")
    def _mode_settings(self) -> Connection:
        missing = [name for name in _REQUIRED[self.auth] if not getattr(self, name)]
        problems = [f"{name} is required when auth = {self.auth!r}" for name in missing]
        if self.auth == "client_credentials" and self.domain in ("login", "test"):
            problems.append("client_credentials needs your My Domain in `domain` (e.g. 'acme.my')")
        if problems:
            raise ValueError("; ".join(problems))
        return self


def read_secrets(connection: Connection, env: Mapping[str, str]) -> dict[str, str]:
    """The secret values the auth mode needs, read from `env`; ConfigError lists every missing variable.

    Keys of the result: username, password, security_token, consumer_key, consumer_secret, access_token
    (only those the mode uses).
    """
    wanted = {
        "username_env": "username",
        "password_env": "password",
        "security_token_env": "security_token",
        "consumer_key_env": "consumer_key",
        "consumer_secret_env": "consumer_secret",
        "access_token_env": "access_token",
    }
    values: dict[str, str] = {}
    problems: list[str] = []
    for setting in _REQUIRED[connection.auth]:
        if setting not in wanted:
            continue
        variable = getattr(connection, setting)
        value = env.get(variable, "")
        if variable not in env or (not value and setting != "security_token_env"):
            problems.append(f"connection.{setting}: environment variable {variable} is not set")
        values[wanted[setting]] = value
    if problems:
        raise ConfigError(problems, source="salesforce connection")
    return values
