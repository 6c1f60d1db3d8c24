"""`qualicall setup hubspot` and `qualicall check` for HubSpot.

`plan_properties(mapping, vocabulary)` is pure: the property group and properties Qualicall needs,
named after the mapping (call outputs, the task key, the contact do-not-call flag), with HubSpot types:

    output        type         fieldType        notes
    score         number       number
    status        enumeration  select           options = vocabulary["status"]
    reason        enumeration  select           options = vocabulary["reason"]
    next_step     string       text
    explanation   string       textarea
    ruleset       string       text
    qualified_at  datetime     date
    variant       string       text
    task key      string       text             hasUniqueValue (tasks)
    do_not_call   bool         booleancheckbox  options true / false (contacts)

`setup(adapter, vocabulary, apply=...)` compares that plan with the portal (properties API) and returns
one `SetupAction` per group / property: "ok" (present and compatible), "create", "update" (missing
enumeration options; existing options are kept) or "conflict" (exists with another type: left alone,
to fix by hand). With `apply=True` it then creates / updates; running it twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from hubspot.crm.properties.models import (
    OptionInput,
    PropertyCreate,
    PropertyGroupCreate,
    PropertyUpdate,
)

from adapters.base import CheckItem
from adapters.hubspot._transport import Response
from connector.errors import AuthError, CRMError, FatalError
from connector.mapping import Mapping as FieldMapping

GROUP = "qualicall"
GROUP_LABEL = "Qualicall"

OUTPUT_TYPES: Mapping[str, tuple[str, str]] = {
    "score": ("number", "number"),
    "status": ("enumeration", "select"),
    "reason": ("enumeration", "select"),
    "next_step": ("string", "text"),
    "explanation": ("string", "textarea"),
    "ruleset": ("string", "text"),
    "qualified_at": ("datetime", "date"),
    "variant": ("string", "text"),
}
"""Canonical output → (HubSpot type, fieldType)."""

COMPATIBLE: Mapping[str, frozenset[str]] = {
    "number": frozenset({"number"}),
    "enumeration": frozenset({"enumeration", "string"}),
    "string": frozenset({"string", "enumeration", "phone_number"}),
    "datetime": frozenset({"datetime", "date"}),
    "bool": frozenset({"bool", "enumeration"}),
}
"""What type an existing property may have for Qualicall to write the planned type into it."""


@dataclass(frozen=True, slots=True)
class PropertySpec:
    """One property Qualicall needs on `object_type`."""

    object_type: str
    name: str
    type: str
    field_type: str
    label: str
    options: tuple[str, ...] = ()
    unique: bool = False


@dataclass(frozen=True, slots=True)
class SetupAction:
    """One line of the setup plan: what exists, what will be (or was) created or updated."""

    object_type: str
    kind: Literal["group", "property"]
    name: str
    action: Literal["ok", "create", "update", "conflict"]
    detail: str = ""
    applied: bool = False


@dataclass
class _Plan:
    specs: list[PropertySpec] = field(default_factory=list)


def _label(name: str) -> str:
    return name.replace("qualicall_", "Qualicall ").replace("_", " ").strip().capitalize()


def plan_properties(mapping: FieldMapping, vocabulary: Mapping[str, Sequence[str]]) -> list[PropertySpec]:
    """The properties Qualicall writes, by object type (pure)."""
    specs: list[PropertySpec] = []
    for output, name in mapping.output.items():
        kind, field_type = OUTPUT_TYPES[output]
        options = tuple(vocabulary.get(output, ())) if kind == "enumeration" else ()
        specs.append(PropertySpec("calls", name, kind, field_type, _label(name), options))
    key = mapping.task.get("key", "qualicall_key")
    specs.append(PropertySpec("tasks", key, "string", "text", _label(key), unique=True))
    dnc = mapping.output_prospect.get("do_not_call")
    if dnc:
        specs.append(PropertySpec("contacts", dnc, "bool", "booleancheckbox", _label(dnc), ("true", "false")))
    return specs


def _call(adapter: Any, what: str, fn: Any) -> Any:
    def once(_: int) -> Response:
        result: Response = fn()
        return result

    return adapter.transport.call(what, once)[0]


def _existing(adapter: Any, object_type: str) -> dict[str, Any]:
    api = adapter.transport.apis.properties
    timeout = adapter.transport.timeout
    data = _call(
        adapter,
        f"properties.{object_type}",
        lambda: api.get_all_with_http_info(
            object_type, _return_http_data_only=False, _request_timeout=timeout
        ),
    )
    return {p.name: p for p in data.results or []}


def _has_group(adapter: Any, object_type: str) -> bool:
    api = adapter.transport.apis.property_groups
    timeout = adapter.transport.timeout
    try:
        _call(
            adapter,
            f"groups.{object_type}",
            lambda: api.get_by_name_with_http_info(
                object_type, GROUP, _return_http_data_only=False, _request_timeout=timeout
            ),
        )
    except FatalError as exc:
        if exc.status == 404:
            return False
        raise
    return True


def setup(adapter: Any, vocabulary: Mapping[str, Sequence[str]], *, apply: bool) -> list[SetupAction]:
    """Plan (and with `apply`, make) the property groups and properties; idempotent."""
    specs = plan_properties(adapter.mapping, vocabulary)
    actions: list[SetupAction] = []
    timeout = adapter.transport.timeout
    for object_type in dict.fromkeys(s.object_type for s in specs):
        if _has_group(adapter, object_type):
            actions.append(SetupAction(object_type, "group", GROUP, "ok"))
        else:
            done = False
            if apply:
                body = PropertyGroupCreate(name=GROUP, label=GROUP_LABEL, display_order=-1)
                groups = adapter.transport.apis.property_groups
                _call(
                    adapter,
                    f"groups.{object_type}.create",
                    lambda groups=groups, body=body, ot=object_type: groups.create_with_http_info(
                        ot, body, _return_http_data_only=False, _request_timeout=timeout
                    ),
                )
                done = True
            actions.append(SetupAction(object_type, "group", GROUP, "create", "property group", done))
        existing = _existing(adapter, object_type)
        for spec in (s for s in specs if s.object_type == object_type):
            actions.append(_property_action(adapter, spec, existing.get(spec.name), apply))
    return actions


def _options(values: Sequence[str], kind: str) -> list[OptionInput]:
    if kind == "bool":
        return [
            OptionInput(label="Yes", value="true", display_order=0, hidden=False),
            OptionInput(label="No", value="false", display_order=1, hidden=False),
        ]
    return [
        OptionInput(label=v.replace("_", " ").capitalize(), value=v, display_order=i, hidden=False)
        for i, v in enumerate(values)
    ]


def _property_action(adapter: Any, spec: PropertySpec, current: Any, apply: bool) -> SetupAction:
    api = adapter.transport.apis.properties
    timeout = adapter.transport.timeout
    what = f"properties.{spec.object_type}.{spec.name}"
    if current is None:
        detail = f"{spec.type}/{spec.field_type}" + (
            f" options {', '.join(spec.options)}" if spec.options else ""
        )
        if spec.unique:
            detail += ", unique values"
        if apply:

            def create(unique: bool) -> None:
                body = PropertyCreate(
                    name=spec.name,
                    label=spec.label,
                    type=spec.type,
                    field_type=spec.field_type,
                    group_name=GROUP,
                    options=_options(spec.options, spec.type),
                    has_unique_value=unique or None,
                    form_field=False,
                )
                _call(
                    adapter,
                    what,
                    lambda: api.create_with_http_info(
                        spec.object_type, body, _return_http_data_only=False, _request_timeout=timeout
                    ),
                )

            try:
                create(spec.unique)
            except FatalError as exc:
                if not spec.unique or exc.status != 400:
                    raise
                # the portal refuses unique values here: a plain property still works (task keys are then
                # looked up by search before a retry, see HubSpotAdapter.find_tasks)
                create(False)
                detail = detail.replace(", unique values", ", unique values refused by HubSpot: plain")
        return SetupAction(spec.object_type, "property", spec.name, "create", detail, apply)
    if current.type not in COMPATIBLE.get(spec.type, frozenset({spec.type})):
        return SetupAction(
            spec.object_type,
            "property",
            spec.name,
            "conflict",
            f"exists as {current.type}, needs {spec.type}",
        )
    if spec.type == "enumeration" and current.type == "enumeration":
        have = [o.value for o in current.options or []]
        missing = [v for v in spec.options if v not in have]
        if missing:
            if apply:
                merged = [*have, *missing]
                old = {o.value: o for o in current.options or []}
                options = [
                    OptionInput(
                        label=old[v].label if v in old else v.replace("_", " ").capitalize(),
                        value=v,
                        display_order=i,
                        hidden=bool(old[v].hidden) if v in old else False,
                    )
                    for i, v in enumerate(merged)
                ]
                _call(
                    adapter,
                    what,
                    lambda: api.update_with_http_info(
                        spec.object_type,
                        spec.name,
                        PropertyUpdate(options=options),
                        _return_http_data_only=False,
                        _request_timeout=timeout,
                    ),
                )
            return SetupAction(
                spec.object_type, "property", spec.name, "update", f"add options {', '.join(missing)}", apply
            )
    return SetupAction(spec.object_type, "property", spec.name, "ok", current.type)


CHECK_FIELDS: Mapping[str, str] = {"call": "calls", "prospect": "contacts", "company": "companies"}


def run_check(adapter: Any) -> list[CheckItem]:
    """The lines of `qualicall check` (never raises for a CRM answer; each problem is one line)."""
    items: list[CheckItem] = []
    transport = adapter.transport
    timeout = transport.timeout
    probes: list[tuple[str, str, Any]] = [
        ("calls", "crm.objects.calls", lambda: _probe_search(transport.apis.calls_search, timeout)),
        (
            "contacts",
            "crm.objects.contacts",
            lambda: _probe_search(transport.apis.contacts_search, timeout),
        ),
        (
            "companies",
            "crm.objects.companies",
            lambda: _probe_search(transport.apis.companies_search, timeout),
        ),
        ("tasks", "tasks / crm.objects.tasks", lambda: _probe_search(transport.apis.tasks_search, timeout)),
        ("meetings", "crm.objects.meetings", lambda: _probe_search(transport.apis.meetings_search, timeout)),
        ("deals", "crm.objects.deals", lambda: _probe_search(transport.apis.deals_search, timeout)),
    ]
    token_ok = True
    for object_type, scope, probe in probes:
        try:
            _call(adapter, f"check.{object_type}", probe)
        except AuthError as exc:
            if exc.status == 401:
                items.append(CheckItem("token", False, "HubSpot rejected the token (401): renew it"))
                return items
            items.append(CheckItem(f"scope {scope}", False, f"missing read/write scope for {object_type}"))
        except CRMError as exc:
            items.append(CheckItem(f"scope {scope}", False, str(exc)))
        else:
            items.append(CheckItem(f"scope {scope}", True))
    items.insert(0, CheckItem("token", token_ok, "accepted by HubSpot"))
    needed: dict[str, dict[str, str]] = {}
    for entity, object_type in CHECK_FIELDS.items():
        for name in adapter.mapping.source_fields(entity):
            needed.setdefault(object_type, {})[name] = "any"
    for output, name in adapter.mapping.output.items():
        needed["calls"][name] = OUTPUT_TYPES[output][0]
    needed.setdefault("tasks", {})[adapter.mapping.task.get("key", "qualicall_key")] = "string"
    for name in adapter.mapping.output_prospect.values():
        needed["contacts"][name] = "bool"
    for object_type, names in needed.items():
        try:
            existing = _existing(adapter, object_type)
        except CRMError as exc:
            items.append(CheckItem(f"properties of {object_type}", False, str(exc)))
            continue
        for name, kind in names.items():
            prop = existing.get(name)
            if prop is None:
                hint = "run `qualicall setup hubspot`" if name.startswith("qualicall") else "fix the mapping"
                items.append(CheckItem(f"{object_type}.{name}", False, f"property missing ({hint})"))
            elif kind != "any" and prop.type not in COMPATIBLE.get(kind, frozenset({kind})):
                items.append(CheckItem(f"{object_type}.{name}", False, f"is {prop.type}, needs {kind}"))
            else:
                items.append(CheckItem(f"{object_type}.{name}", True, prop.type))
    limiter = transport.limiter
    if limiter.portal_remaining is None:
        items.append(CheckItem("rate-limit headroom", True, "HubSpot sent no daily-limit headers"))
    else:
        reserve = limiter.daily_limit * (1 - limiter.daily_share)
        headroom = int(limiter.portal_remaining - reserve)
        items.append(
            CheckItem(
                "rate-limit headroom",
                headroom > 0,
                f"{limiter.portal_remaining} of {limiter.daily_limit} left today; {max(headroom, 0)} usable",
            )
        )
    return items


def _probe_search(api: Any, timeout: float) -> Response:
    """A one-result search: proves the token and the object's read scope without reading much."""
    from hubspot.crm.objects.models import PublicObjectSearchRequest

    request = PublicObjectSearchRequest(
        filter_groups=[], sorts=[], properties=["hs_object_id"], limit=1, after="0"
    )
    probe: Response = api.do_search_with_http_info(
        request, _return_http_data_only=False, _request_timeout=timeout
    )
    return probe
