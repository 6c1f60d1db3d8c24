"""Canonical records shared by every part of Qualicall.

`Call`, `Prospect` and `Company` are the canonical call format (one JSON object per line in a
`.jsonl` file; JSON Schema in connector/schema/call.schema.json). They are validated pydantic models:
building one from a dict either succeeds or raises `pydantic.ValidationError` naming the field.

`Result`, `Evidence` and `FollowUp` are what the engine returns: plain frozen dataclasses, cheap to
build, never validated again downstream.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class Outcome(StrEnum):
    """How the call ended at the telephony level."""

    connected = "connected"
    no_answer = "no_answer"
    busy = "busy"
    voicemail = "voicemail"
    wrong_number = "wrong_number"
    other = "other"


class Direction(StrEnum):
    outbound = "outbound"
    inbound = "inbound"


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Prospect(_Record):
    """The person called (a HubSpot contact, a Salesforce Lead or Contact)."""

    id: str | None = None
    name: str | None = None
    title: str | None = None
    email: str | None = None
    phone: str | None = None
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2 country code")
    consumer: bool = Field(default=False, description="A private individual, not a professional")
    do_not_call: bool = False
    consent_at: AwareDatetime | None = Field(default=None, description="When prior consent was recorded")
    contract_in_progress: bool = Field(
        default=False, description="A contract is in progress with this prospect (consent exemption)"
    )


class Company(_Record):
    """The prospect's organisation (HubSpot company, Salesforce Account)."""

    id: str | None = None
    name: str | None = None
    employees: int | None = Field(default=None, ge=0)
    industry: str | None = None
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2 country code")
    annual_revenue: float | None = Field(default=None, ge=0)
    tech_stack: tuple[str, ...] = ()


class Call(_Record):
    """One logged sales call in the canonical format."""

    id: str = Field(min_length=1)
    occurred_at: AwareDatetime
    direction: Direction = Direction.outbound
    duration_s: int | None = Field(default=None, ge=0)
    outcome: Outcome
    owner: str | None = None
    source: str | None = None
    language: Literal["fr", "en"] | None = Field(default=None, description="Optional language hint")
    notes: str = ""
    transcript: str = ""
    prospect: Prospect | None = None
    company: Company | None = None


Status = Literal["qualified", "nurture", "disqualified", "unreached"]
CriterionState = Literal["met", "not_met", "unknown"]


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why one criterion got its state: the snippet (with offsets in `source`) or the field value."""

    criterion: str
    state: CriterionState
    points: float
    source: str = ""
    snippet: str | None = None
    start: int | None = None
    end: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "criterion": self.criterion,
            "state": self.state,
            "points": self.points,
            "source": self.source,
            "snippet": self.snippet,
            "start": self.start,
            "end": self.end,
        }


@dataclass(frozen=True, slots=True)
class FollowUp:
    """A follow-up task derived from a result. `key` is stable per (call, kind): the idempotency key."""

    key: str
    kind: str
    subject: str
    body: str
    due_at: datetime
    type: Literal["call", "email", "todo", "meeting"] = "call"
    priority: Literal["high", "medium", "low"] = "medium"
    owner: str | None = None
    call_id: str = ""
    prospect_id: str | None = None
    company_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "subject": self.subject,
            "body": self.body,
            "due_at": self.due_at.isoformat(),
            "type": self.type,
            "priority": self.priority,
            "owner": self.owner,
            "call_id": self.call_id,
            "prospect_id": self.prospect_id,
            "company_id": self.company_id,
        }


@dataclass(frozen=True, slots=True)
class ComplianceNote:
    """One compliance decision about a follow-up: allowed, moved (with the new time) or blocked."""

    follow_up_key: str
    action: Literal["allowed", "moved", "blocked"]
    rule: str
    detail: str = ""
    due_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Result:
    """The engine's decision for one call under one ruleset version."""

    call_id: str
    status: Status
    reason: str | None
    next_step: str
    score: float
    ruleset: str
    language: str
    explanation: str
    evidence: tuple[Evidence, ...] = ()
    follow_ups: tuple[FollowUp, ...] = ()
    recontact_on: date | None = None
    compliance: tuple[ComplianceNote, ...] = ()
    variant: str | None = None
    do_not_call: bool = field(default=False)

    def outputs(self, qualified_at: datetime) -> dict[str, Any]:
        """The canonical output fields written back to the CRM (names mapped by the mapping preset)."""
        out: dict[str, Any] = {
            "score": round(self.score, 1),
            "status": self.status,
            "reason": self.reason or "",
            "next_step": self.next_step,
            "explanation": self.explanation,
            "ruleset": self.ruleset,
            "qualified_at": qualified_at,
        }
        if self.variant is not None:
            out["variant"] = self.variant
        return out
