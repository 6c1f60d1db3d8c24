"""The connector's exception tree. Adapters translate vendor exceptions into these at their boundary
(`raise RetriableError(...) from exc`); messages never embed response bodies or secrets.

    QualicallError
    ├── ConfigError            bad TOML / settings; carries every problem found
    ├── MappingError           a CRM record could not be mapped (names record, field and preset)
    ├── RulesError             a rules file is invalid (carries every problem found)
    └── CRMError               anything a CRM said or failed to say
        ├── RetriableError     timeouts, resets, 5xx: try again with backoff
        │   └── RateLimitedError   429 / REQUEST_LIMIT_EXCEEDED; `retry_after` seconds when known
        ├── AuthError          credentials rejected; fatal for the run
        ├── BudgetExhaustedError   the configured share of the daily API allowance is used up
        └── FatalError         anything else that must stop the run
"""

from __future__ import annotations

from collections.abc import Sequence


class QualicallError(Exception):
    """Base class of every error Qualicall raises on purpose."""


class ConfigError(QualicallError):
    """Configuration is invalid. `problems` lists each one as 'path: message (hint)'."""

    def __init__(self, problems: Sequence[str], source: str = "config") -> None:
        self.problems = list(problems)
        self.source = source
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{source}: {len(self.problems)} problem(s)\n{lines}")


class RulesError(ConfigError):
    """A rules file is invalid."""


class MappingError(QualicallError):
    """A CRM record could not be turned into a canonical call."""

    def __init__(self, record_id: str, field: str, message: str, preset: str = "") -> None:
        self.record_id = record_id
        self.field = field
        where = f" (mapping {preset})" if preset else ""
        super().__init__(f"record {record_id}: field {field}: {message}{where}")


class CRMError(QualicallError):
    """A CRM request failed. `status` is the HTTP status when there was one."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        self.status = status
        super().__init__(message)


class RetriableError(CRMError):
    """A transient failure: the same request may succeed later."""


class RateLimitedError(RetriableError):
    """The CRM refused for rate reasons. `retry_after` is in seconds when the CRM said."""

    def __init__(self, message: str, *, status: int | None = 429, retry_after: float | None = None) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class AuthError(CRMError):
    """Credentials missing, expired or rejected."""


class BudgetExhaustedError(CRMError):
    """Qualicall used the share of the daily API allowance it is given; resume next run."""


class FatalError(CRMError):
    """A failure that retrying will not fix."""
