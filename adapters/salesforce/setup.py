"""`qualicall setup salesforce`: check every mapped field against describe, write what is missing.

`field_checks(adapter, vocabulary)` describes Task, Lead, Contact and Account (one request each, only
the objects the mapping uses) and checks each mapped field: it exists; output fields are writable and of
a usable type and length; picklists hold the vocabulary values; the task key field is an External ID.
`setup(...)` turns the problems into `SetupAction`s and writes a Salesforce CLI source folder to
`out_dir` holding the CustomField metadata to create or complete the Qualicall fields (activity custom
fields are defined on the Activity object and shared by Task and Event), ready for
`sf project deploy start --source-dir force-app`. A Metadata API deploy from Qualicall itself is not
implemented: `apply=True` returns a "manual" action saying so.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

if TYPE_CHECKING:
    from adapters.salesforce.adapter import SalesforceAdapter

NUMBER_TYPES = {"double", "percent", "int", "currency"}
TEXT_TYPES = {"string", "textarea", "picklist"}


@dataclass(frozen=True, slots=True)
class FieldSpecWanted:
    """What an output field must be, and the metadata to create it."""

    types: frozenset[str]
    metadata: Mapping[str, Any]
    min_length: int = 0


WANTED: dict[str, FieldSpecWanted] = {
    "score": FieldSpecWanted(frozenset(NUMBER_TYPES), {"type": "Number", "precision": 5, "scale": 1}),
    "status": FieldSpecWanted(frozenset({"picklist", "string"}), {"type": "Picklist"}),
    "reason": FieldSpecWanted(frozenset({"picklist", "string"}), {"type": "Picklist"}),
    "next_step": FieldSpecWanted(frozenset(TEXT_TYPES), {"type": "Text", "length": 80}, 20),
    "explanation": FieldSpecWanted(
        frozenset({"textarea", "string"}), {"type": "LongTextArea", "length": 32768, "visibleLines": 5}, 1000
    ),
    "ruleset": FieldSpecWanted(frozenset({"string"}), {"type": "Text", "length": 80}, 40),
    "qualified_at": FieldSpecWanted(frozenset({"datetime"}), {"type": "DateTime"}),
    "variant": FieldSpecWanted(frozenset({"string", "picklist"}), {"type": "Text", "length": 40}, 10),
    "task_key": FieldSpecWanted(
        frozenset({"string"}),
        {"type": "Text", "length": 255, "externalId": True, "unique": True, "caseSensitive": True},
        80,
    ),
}


@dataclass(frozen=True, slots=True)
class FieldCheck:
    """One mapped field on one object: `problem` is empty when the field is usable."""

    sobject: str
    field: str
    role: str
    problem: str = ""
    missing: bool = False
    missing_values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SetupAction:
    """What setup found or did for one field: ok | create | update | manual (a human must act)."""

    sobject: str
    field: str
    action: str
    detail: str = ""
    path: str | None = None


def _fields_by_name(describe: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {str(f["name"]): f for f in describe.get("fields", [])}


def _check_output(
    sobject: str, name: str, role: str, meta: dict[str, Any] | None, values: tuple[str, ...]
) -> FieldCheck:
    wanted = WANTED.get(role)
    if meta is None:
        return FieldCheck(sobject, name, role, "does not exist", missing=True, missing_values=values)
    problems: list[str] = []
    kind = str(meta.get("type"))
    if wanted is not None and kind not in wanted.types:
        problems.append(f"type {kind}, expected {' or '.join(sorted(wanted.types))}")
    if role == "task_key":
        if not meta.get("externalId"):
            problems.append("not an External ID (needed for exactly-once task creation)")
        if not meta.get("createable"):
            problems.append("not creatable by this user")
    elif not meta.get("updateable"):
        problems.append("not writable by this user (field-level security?)")
    if (
        wanted is not None
        and kind in ("string", "textarea")
        and int(meta.get("length") or 0) < wanted.min_length
    ):
        problems.append(f"length {meta.get('length')} < {wanted.min_length}")
    missing_values: tuple[str, ...] = ()
    if kind == "picklist" and values:
        present = {str(v.get("value")) for v in meta.get("picklistValues", []) if v.get("active", True)}
        missing_values = tuple(v for v in values if v and v not in present)
        if missing_values:
            problems.append(f"picklist lacks {', '.join(missing_values)}")
    return FieldCheck(sobject, name, role, "; ".join(problems), missing_values=missing_values)


def field_checks(
    adapter: SalesforceAdapter, vocabulary: Mapping[str, tuple[str, ...]] | None
) -> list[FieldCheck]:
    """Check every mapped field of `adapter.mapping` against describe (see the module docstring)."""
    mapping, plan = adapter.mapping, adapter.plan
    vocab = dict(vocabulary or {})
    described: dict[str, dict[str, dict[str, Any]]] = {}

    def fields_of(sobject: str) -> dict[str, dict[str, Any]]:
        if sobject not in described:
            described[sobject] = _fields_by_name(adapter.describe(sobject))
        return described[sobject]

    checks: list[FieldCheck] = []
    outputs = set(mapping.output.values())
    for name in plan.task_fields:
        if name in outputs:
            continue
        ok = name in fields_of("Task")
        checks.append(FieldCheck("Task", name, "input", "" if ok else "does not exist", missing=not ok))
    for role, name in mapping.output.items():
        checks.append(
            _check_output("Task", name, role, fields_of("Task").get(name), tuple(vocab.get(role, ())))
        )
    key = mapping.task.get("key")
    if key:
        checks.append(_check_output("Task", key, "task_key", fields_of("Task").get(key), ()))
    for sobject, names in (("Lead", plan.lead_fields), ("Contact", plan.contact_fields)):
        for name in names:
            ok = name in fields_of(sobject)
            checks.append(FieldCheck(sobject, name, "input", "" if ok else "does not exist", missing=not ok))
    for role, name in mapping.output_prospect.items():
        for sobject in ("Lead", "Contact"):
            meta = fields_of(sobject).get(name)
            problem = "does not exist" if meta is None else ("" if meta.get("updateable") else "not writable")
            checks.append(FieldCheck(sobject, name, f"output_prospect.{role}", problem, missing=meta is None))
    for name in plan.account_fields:
        ok = name in fields_of("Account")
        checks.append(FieldCheck("Account", name, "input", "" if ok else "does not exist", missing=not ok))
    return checks


def _label(name: str) -> str:
    return name.removesuffix("__c").replace("_", " ")


def field_metadata(name: str, role: str, values: tuple[str, ...]) -> str:
    """CustomField source metadata (XML) for a Qualicall output or key field."""
    spec = WANTED[role].metadata
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<CustomField xmlns="http://soap.sforce.com/2006/04/metadata">',
        f"    <fullName>{escape(name)}</fullName>",
        f"    <label>{escape(_label(name))}</label>",
        f"    <description>Written by Qualicall ({escape(role)}).</description>",
    ]
    for key, value in spec.items():
        text = ("true" if value else "false") if isinstance(value, bool) else escape(str(value))
        lines.append(f"    <{key}>{text}</{key}>")
    if spec.get("type") == "Picklist":
        lines += [
            "    <valueSet>",
            "        <restricted>true</restricted>",
            "        <valueSetDefinition>",
            "            <sorted>false</sorted>",
        ]
        for value in values:
            lines += [
                "            <value>",
                f"                <fullName>{escape(value)}</fullName>",
                "                <default>false</default>",
                f"                <label>{escape(value)}</label>",
                "            </value>",
            ]
        lines += ["        </valueSetDefinition>", "    </valueSet>"]
    if spec.get("type") not in ("Picklist", "DateTime", "LongTextArea") and "externalId" not in spec:
        lines.append("    <externalId>false</externalId>")
    if spec.get("type") != "LongTextArea":
        lines.append("    <required>false</required>")
    lines.append("</CustomField>")
    return "\n".join(lines) + "\n"


def setup(
    adapter: SalesforceAdapter,
    vocabulary: dict[str, tuple[str, ...]],
    *,
    apply: bool,
    out_dir: Path,
) -> list[SetupAction]:
    """Check the mapped fields and write the metadata for what is missing under `out_dir`.

    Returns one action per checked field. Output / key fields that are missing or lack picklist values
    get a `.field-meta.xml` under out_dir/force-app/main/default/objects/Activity/fields/ (plus an
    sfdx-project.json); other problems (wrong type, read-only, missing standard field) are "manual".
    """
    actions: list[SetupAction] = []
    written = False
    fields_dir = out_dir / "force-app" / "main" / "default" / "objects" / "Activity" / "fields"
    for check in field_checks(adapter, vocabulary):
        if not check.problem:
            actions.append(SetupAction(check.sobject, check.field, "ok"))
            continue
        fixable = (
            check.sobject == "Task"
            and check.role in WANTED
            and check.field.endswith("__c")
            and (check.missing or (check.missing_values and "type" not in check.problem))
        )
        if not fixable:
            actions.append(SetupAction(check.sobject, check.field, "manual", check.problem))
            continue
        values = (
            tuple(vocabulary.get(check.role, ())) if WANTED[check.role].metadata["type"] == "Picklist" else ()
        )
        fields_dir.mkdir(parents=True, exist_ok=True)
        path = fields_dir / f"{check.field}.field-meta.xml"
        path.write_text(field_metadata(check.field, check.role, values), encoding="utf-8")
        written = True
        action = "create" if check.missing else "update"
        actions.append(SetupAction(check.sobject, check.field, action, check.problem, str(path)))
    if written:
        project = {
            "packageDirectories": [{"path": "force-app", "default": True}],
            "sourceApiVersion": adapter.client.connection.api_version,
        }
        (out_dir / "sfdx-project.json").write_text(json.dumps(project, indent=2) + "\n", encoding="utf-8")
    if apply:
        actions.append(
            SetupAction(
                "*",
                "*",
                "manual",
                "deploying from Qualicall is not implemented; run "
                f"`sf project deploy start --source-dir {out_dir / 'force-app'}` and grant field access",
            )
        )
    return actions
