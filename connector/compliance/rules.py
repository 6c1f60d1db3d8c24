"""Compliance rule identifiers and their human explanations.

A rule id has the shape ``<PREFIX>[.<REFERENCE>].<topic>``: ``PREFIX`` names the policy (``FR``, ``BE``,
``CA`` ...), ``REFERENCE`` is the legal or company reference the policy attaches to the topic (for France
``D223-9`` or ``L223-1``; dots are not allowed inside it) and ``topic`` is one of `TOPICS`. Examples:
``FR.D223-9.window``, ``FR.L223-1.consent``, ``CA.UTR-III.window``, ``BE.company-policy.b2b_window``.
The id alone is enough to explain a decision, so audit lines stay readable after a policy changes.
"""

from __future__ import annotations

from typing import Final

TOPICS: Final[dict[str, str]] = {
    "window": "calls are allowed only on the policy's calling days and hours, in the prospect's time zone",
    "holiday": "no calls on a public holiday of the prospect's calendar (national, regional or overseas)",
    "consent_other_hours": "the prospect's recorded express consent allows calls outside the calling hours",
    "consent": "a consumer may be called only with recorded prior consent (unless a contract is in progress)",
    "cap": "a consumer may be called or attempted at most N times per rolling period of calendar days",
    "refusal": "after a consumer refused during a call, no new call before the cool-down period has elapsed",
    "optout": "a consumer whose number is on the opposition list (or cannot be checked) must not be called",
    "objection": "the prospect objected to being called (do-not-call flag or objection in the call)",
    "b2b_window": "calls to professionals follow the company's calling-window policy",
    "no_restriction": "no calling-window restriction applies to this contact under the policy",
    "no_slot": "no lawful time slot exists within the search horizon, so the follow-up call is not created",
}


def rule_id(prefix: str, topic: str, reference: str | None = None) -> str:
    """Build a rule id. `topic` must be one of `TOPICS`; an empty reference is omitted."""
    if topic not in TOPICS:
        raise ValueError(f"unknown compliance topic {topic!r}")
    return f"{prefix}.{reference}.{topic}" if reference else f"{prefix}.{topic}"


def explain_rule(rule_id: str) -> str:
    """Human text for a rule id, for audit lines. Never raises: an unknown id is described as such."""
    parts = rule_id.split(".")
    if len(parts) < 2 or parts[-1] not in TOPICS or not parts[0]:
        return f"unknown compliance rule {rule_id!r}"
    topic = parts[-1]
    text = TOPICS[topic]
    where = f"policy {parts[0]}"
    if len(parts) > 2:
        where += f", reference {'.'.join(parts[1:-1])}"
    return f"{text[0].upper()}{text[1:]} ({where})."
