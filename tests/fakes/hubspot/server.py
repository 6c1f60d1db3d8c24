"""A stateful wire-level fake of the HubSpot CRM API on 127.0.0.1, for tests and the bench.

Speaks the endpoints the adapter uses, with HubSpot's JSON shapes (request bodies are checked with the
SDK's generated models, see validate.py):

    POST /crm/v3/objects/{type}/search          filters (EQ NEQ LT LTE GT GTE IN HAS_PROPERTY ...),
                                                 one sort, `after` offset paging, the results cap
    POST /crm/v3/objects/{type}/batch/read      by id or by idProperty; 207 for missing ids
    POST /crm/v3/objects/{type}/batch/update    207 for ids in `fail_ids`; bumps hs_lastmodifieddate
    POST /crm/v3/objects/{type}/batch/create    inline associations; unique-value properties enforced
    POST /crm/v4/associations/{from}/{to}/batch/read
    GET/POST/PATCH /crm/v3/properties/{type}[/{name}], GET/POST /crm/v3/properties/{type}/groups[/{name}]
    GET  /calling/v1/dispositions

Limits: `burst` requests per 10 s (sliding), `search_per_s` searches per second, `daily` per day, all on
the injected `clock` (seconds); over a limit → 429 with Retry-After and X-HubSpot-RateLimit-* headers.
Faults: a fraction `fault_rate` of requests (seeded RNG) fails with 429, 500/502/503, or is "lost" (the
request is processed, then the connection is closed without a response).
Inspection: `objects`, `requests` (Counter by endpoint), `faults`, `writes` (Counter of updates by id).
"""

from __future__ import annotations

import functools
import json
import math
import random
import re
import threading
import time
import urllib.parse
from collections import Counter, deque
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from hubspot.crm.associations.v4.models import BatchInputPublicFetchAssociationsBatchRequest
from hubspot.crm.objects.calls.models import PublicObjectSearchRequest
from hubspot.crm.objects.models import (
    BatchInputSimplePublicObjectBatchInput,
    BatchInputSimplePublicObjectBatchInputForCreate,
    BatchReadInputSimplePublicObjectId,
)
from hubspot.crm.properties.models import PropertyCreate, PropertyGroupCreate, PropertyUpdate

from tests.fakes.hubspot.validate import BadRequest, parse

TOKEN = "fake-hubspot-token"
BUILTIN_DISPOSITIONS = {
    "9d9162e7-6cf3-4944-bf63-4dff82258764": "Busy",
    "f240bbac-87c9-4f6e-bf70-924b57d47db7": "Connected",
    "a4c4c377-d246-4b32-a13b-75a56a4cd0ff": "Left live message",
    "b2cf5968-551e-4856-9783-52b3da59a7d0": "Left voicemail",
    "73a0d17f-1163-4015-bdd5-ec830791da20": "No answer",
    "17b47fee-58de-441e-a44c-c6300d46f273": "Wrong number",
}
DATETIME_PROPS = {
    "hs_lastmodifieddate",
    "hs_createdate",
    "createdate",
    "hs_timestamp",
    "hs_meeting_start_time",
}
NUMBER_PROPS = {"hs_object_id", "hs_call_duration", "amount", "numberofemployees", "annualrevenue"}
BASE_PROPERTIES: dict[str, tuple[str, ...]] = {
    "calls": (
        "hs_timestamp",
        "hs_call_body",
        "hs_call_direction",
        "hs_call_duration",
        "hs_call_disposition",
        "hs_call_source",
        "hs_call_summary",
        "hs_call_title",
        "hubspot_owner_id",
    ),
    "contacts": ("firstname", "lastname", "jobtitle", "email", "phone", "country"),
    "companies": ("name", "numberofemployees", "industry", "country", "annualrevenue"),
    "tasks": (
        "hs_task_subject",
        "hs_task_body",
        "hs_timestamp",
        "hs_task_type",
        "hs_task_priority",
        "hs_task_status",
        "hubspot_owner_id",
    ),
    "meetings": ("hs_meeting_start_time", "hs_meeting_outcome", "hs_timestamp"),
    "deals": ("dealname", "amount", "createdate"),
}
COMMON = ("hs_object_id", "hs_createdate", "hs_lastmodifieddate")


def iso(ms: int) -> str:
    """Epoch ms → HubSpot's ISO form with milliseconds and Z."""
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def to_ms(value: Any) -> int:
    """ISO text or epoch-ms text → epoch ms."""
    return _to_ms(str(value))


@functools.lru_cache(maxsize=65536)
def _to_ms(value: str) -> int:
    text = value.strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return round(moment.timestamp() * 1000)


class VirtualClock:
    """Shared virtual time (seconds since the epoch): `sleep` advances it instantly, thread-safely."""

    def __init__(self, start: float = 1_790_000_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()
        self.slept = 0.0

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def datetime(self) -> datetime:
        """The virtual time as an aware UTC datetime (the adapter's `clock`)."""
        return datetime.fromtimestamp(self(), tz=UTC)

    def sleep(self, seconds: float) -> None:
        """Advance virtual time by `seconds` without waiting."""
        with self._lock:
            self._now += max(0.0, seconds)
            self.slept += max(0.0, seconds)

    def advance(self, seconds: float) -> None:
        """Move time forward (same as sleep)."""
        self.sleep(seconds)


class HttpError(Exception):
    """An error response to send."""

    def __init__(
        self, status: int, category: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.category = category
        self.message = message
        self.headers = headers or {}


class FakeHubSpot:
    """The fake portal: state, limits, faults and a loopback HTTP server (use as a context manager)."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] | None = None,
        burst: int | None = 100,
        search_per_s: int | None = 5,
        daily: int | None = None,
        search_cap: int = 10_000,
        fault_rate: float = 0.0,
        fault_kinds: tuple[str, ...] = ("429", "500", "502", "503", "lost"),
        seed: int = 7,
        token: str = TOKEN,
        retry_after: float = 1.0,
    ) -> None:
        self.clock = clock or time.time
        self.burst = burst
        self.search_per_s = search_per_s
        self.daily = daily
        self.search_cap = search_cap
        self.fault_rate = fault_rate
        self.fault_kinds = fault_kinds
        self.rng = random.Random(seed)
        self.token = token
        self.retry_after = retry_after
        self.lock = threading.RLock()
        self.objects: dict[str, dict[int, dict[str, Any]]] = {t: {} for t in BASE_PROPERTIES}
        self.archived: dict[str, dict[int, dict[str, Any]]] = {t: {} for t in BASE_PROPERTIES}
        self.assoc: dict[tuple[str, int, str], list[tuple[int, int]]] = {}
        self.properties: dict[str, dict[str, dict[str, Any]]] = {
            t: {n: self._prop_def(n) for n in (*COMMON, *names)} for t, names in BASE_PROPERTIES.items()
        }
        self.groups: dict[str, set[str]] = {t: set() for t in BASE_PROPERTIES}
        self.dispositions = dict(BUILTIN_DISPOSITIONS)
        self.fail_ids: dict[int, str] = {}
        """Object id → error category returned for it in a 207 of batch update."""
        self.inject: list[tuple[str, str]] = []
        """(endpoint, fault): the next request to `endpoint` fails with `fault` ("429", "503", "lost")."""
        self.lose_next: list[str] = []
        """Endpoint names whose next request is processed but its response lost (one per entry)."""
        self.no_unique_values: set[str] = set()
        """Object types on which creating a unique-value property is refused (400)."""
        self.reject_missing_associations = False
        """Refuse (400) a batch create associating a record that does not exist."""
        self.forbidden: set[str] = set()
        """Object types the token has no scope for (403)."""
        self.requests: Counter[str] = Counter()
        self.faults: Counter[str] = Counter()
        self.writes: Counter[int] = Counter()
        self.rejected: list[str] = []
        self._next_id = 1000
        self._unique: dict[tuple[str, str], dict[str, int]] = {}
        self._sent: deque[float] = deque()
        self._searches: deque[float] = deque()
        self._day_count = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.tie_seed = self.rng.randrange(1000003)

    # -- state helpers ------------------------------------------------------------------------------
    @staticmethod
    def _prop_def(
        name: str, kind: str | None = None, field_type: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        if kind is None:
            kind = "datetime" if name in DATETIME_PROPS else "number" if name in NUMBER_PROPS else "string"
        field_type = field_type or {"datetime": "date", "number": "number"}.get(kind, "text")
        return {
            "name": name,
            "label": name,
            "type": kind,
            "fieldType": field_type,
            "description": "",
            "groupName": "default",
            "options": [],
            "hasUniqueValue": False,
            **extra,
        }

    def now_ms(self) -> int:
        """The fake's current time in epoch ms."""
        return int(self.clock() * 1000)

    def new_id(self) -> int:
        with self.lock:
            self._next_id += 1
            return self._next_id

    def create(
        self,
        object_type: str,
        properties: dict[str, Any],
        *,
        modified_ms: int | None = None,
        object_id: int | None = None,
    ) -> int:
        """Store a record directly (test seeding); returns its id."""
        with self.lock:
            record_id = object_id or self.new_id()
            stamp = self.now_ms() if modified_ms is None else modified_ms
            props = {k: self._normalise(object_type, k, v) for k, v in properties.items() if v is not None}
            props.update(
                hs_object_id=str(record_id), hs_createdate=iso(stamp), hs_lastmodifieddate=iso(stamp)
            )
            self.objects[object_type][record_id] = {"properties": props, "created": stamp, "updated": stamp}
            for name, value in props.items():
                if (object_type, name) in self._unique:
                    self._unique[(object_type, name)][value] = record_id
            return record_id

    def _unique_index(self, object_type: str, name: str) -> dict[str, int]:
        """value → id for a unique-value property (kept up to date by `create`)."""
        key = (object_type, name)
        if key not in self._unique:
            self._unique[key] = {
                o["properties"][name]: i
                for i, o in self.objects[object_type].items()
                if o["properties"].get(name)
            }
        return self._unique[key]

    def update(
        self, object_type: str, record_id: int, properties: dict[str, Any], *, modified_ms: int | None = None
    ) -> None:
        """Change a record as a user would (bumps hs_lastmodifieddate)."""
        with self.lock:
            obj = self.objects[object_type][record_id]
            for key, value in properties.items():
                obj["properties"][key] = self._normalise(object_type, key, value)
            stamp = self.now_ms() if modified_ms is None else modified_ms
            obj["updated"] = stamp
            obj["properties"]["hs_lastmodifieddate"] = iso(stamp)

    def archive(self, object_type: str, record_id: int) -> None:
        """Delete (archive) a record."""
        with self.lock:
            obj = self.objects[object_type].pop(record_id)
            obj["archived_at"] = self.now_ms()
            self.archived[object_type][record_id] = obj

    def associate(self, from_type: str, from_id: int, to_type: str, to_id: int, type_id: int = 0) -> None:
        """Associate two records (both directions)."""
        with self.lock:
            self.assoc.setdefault((from_type, from_id, to_type), []).append((to_id, type_id))
            self.assoc.setdefault((to_type, to_id, from_type), []).append((from_id, type_id))

    def define(self, object_type: str, name: str, kind: str, field_type: str, **extra: Any) -> None:
        """Define a property (as an admin would)."""
        self.properties[object_type][name] = self._prop_def(name, kind, field_type, **extra)

    def _normalise(self, object_type: str, name: str, value: Any) -> str:
        text = (
            ""
            if value is None
            else (("true" if value else "false") if isinstance(value, bool) else str(value))
        )
        prop = self.properties[object_type].get(name)
        kind = prop["type"] if prop else "string"
        if text == "":
            return ""
        if kind == "datetime":
            return iso(to_ms(text))
        if kind == "number":
            number = float(text)
            return str(int(number)) if number == int(number) else repr(number)
        if kind == "bool":
            if text.lower() not in ("true", "false"):
                raise BadRequest(f"{name}: {text!r} is not a boolean")
            return text.lower()
        if kind == "enumeration" and prop is not None and prop["fieldType"] != "checkbox":
            allowed = {o["value"] for o in prop["options"]}
            if text not in allowed:
                raise BadRequest(f"{name}: {text!r} was not one of the allowed options")
        return text

    def _public(
        self, object_type: str, record_id: int, obj: dict[str, Any], props: Iterable[str] | None
    ) -> dict[str, Any]:
        wanted = set(COMMON) | (set(props) if props is not None else set(obj["properties"]))
        return {
            "id": str(record_id),
            "properties": {k: v for k, v in obj["properties"].items() if k in wanted},
            "createdAt": iso(obj["created"]),
            "updatedAt": iso(obj["updated"]),
            "archived": False,
        }

    # -- limits and faults -----------------------------------------------------------------------------
    def _limits(self, search: bool) -> None:
        now = self.clock()
        headers = {
            "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
            "X-HubSpot-RateLimit-Max": str(self.burst or 0),
        }
        for log, window in ((self._sent, 10.0), (self._searches, 1.0)):
            while log and log[0] <= now - window:
                log.popleft()
        if self.daily is not None and self._day_count >= self.daily:
            raise HttpError(429, "RATE_LIMITS", "daily limit reached", {"Retry-After": "3600"})
        if self.burst is not None and len(self._sent) >= self.burst:
            self.faults["limit.burst"] += 1
            wait = self._sent[len(self._sent) - self.burst] + 10.0 - now
            raise HttpError(
                429,
                "RATE_LIMITS",
                "ten_secondly_rolling limit",
                {**headers, "Retry-After": f"{math.ceil(wait * 1000) / 1000:.3f}"},
            )
        if search and self.search_per_s is not None and len(self._searches) >= self.search_per_s:
            self.faults["limit.search"] += 1
            wait = self._searches[len(self._searches) - self.search_per_s] + 1.0 - now
            raise HttpError(
                429, "RATE_LIMITS", "secondly limit", {"Retry-After": f"{math.ceil(wait * 1000) / 1000:.3f}"}
            )
        self._sent.append(now)
        if search:
            self._searches.append(now)
        self._day_count += 1

    def rate_headers(self) -> dict[str, str]:
        """The X-HubSpot-RateLimit-* headers of a successful response."""
        headers = {"X-HubSpot-RateLimit-Interval-Milliseconds": "10000"}
        if self.burst is not None:
            headers["X-HubSpot-RateLimit-Max"] = str(self.burst)
            headers["X-HubSpot-RateLimit-Remaining"] = str(max(0, self.burst - len(self._sent)))
        if self.daily is not None:
            headers["X-HubSpot-RateLimit-Daily"] = str(self.daily)
            headers["X-HubSpot-RateLimit-Daily-Remaining"] = str(max(0, self.daily - self._day_count))
        return headers

    # -- HTTP ------------------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the fake first"
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}"

    def __enter__(self) -> FakeHubSpot:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Serve on 127.0.0.1, an ephemeral port, in a daemon thread."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _handle(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, body, headers, lost = fake.handle(
                    method, self.path, raw, self.headers.get("Authorization")
                )
                if lost:
                    self.close_connection = True
                    return
                payload = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

            def do_PATCH(self) -> None:
                self._handle("PATCH")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    ROUTES: tuple[tuple[str, re.Pattern[str], str], ...] = (
        ("POST", re.compile(r"^/crm/v3/objects/(\w+)/search$"), "search"),
        ("POST", re.compile(r"^/crm/v3/objects/(\w+)/batch/read$"), "batch_read"),
        ("POST", re.compile(r"^/crm/v3/objects/(\w+)/batch/update$"), "batch_update"),
        ("POST", re.compile(r"^/crm/v3/objects/(\w+)/batch/create$"), "batch_create"),
        ("POST", re.compile(r"^/crm/v4/associations/(\w+)/(\w+)/batch/read$"), "assoc_read"),
        ("GET", re.compile(r"^/crm/v3/properties/(\w+)/groups/(\w+)$"), "group_get"),
        ("POST", re.compile(r"^/crm/v3/properties/(\w+)/groups$"), "group_create"),
        ("GET", re.compile(r"^/crm/v3/properties/(\w+)$"), "props_get"),
        ("POST", re.compile(r"^/crm/v3/properties/(\w+)$"), "props_create"),
        ("PATCH", re.compile(r"^/crm/v3/properties/(\w+)/(\w+)$"), "props_update"),
        ("GET", re.compile(r"^/calling/v1/dispositions$"), "dispositions"),
        ("GET", re.compile(r"^/crm/v3/objects/(\w+)$"), "list"),
    )

    def handle(
        self, method: str, path: str, raw: bytes, auth: str | None
    ) -> tuple[int, Any, dict[str, str], bool]:
        """Serve one request: (status, JSON body, headers, lost)."""
        path, _, query = path.partition("?")
        for route_method, pattern, route in self.ROUTES:
            match = pattern.match(path)
            if match and method == route_method:
                name = route
                break
        else:
            return 404, self._error(404, "OBJECT_NOT_FOUND", f"no route {method} {path}"), {}, False
        args = match.groups()
        endpoint = f"{name}:{args[0]}" if name != "dispositions" else name
        with self.lock:
            self.requests[endpoint] += 1
            try:
                if auth != f"Bearer {self.token}":
                    raise HttpError(401, "INVALID_AUTHENTICATION", "token rejected")
                if args and args[0] in self.forbidden:
                    raise HttpError(403, "MISSING_SCOPES", "missing scopes")
                self._limits(search=name == "search")
                fault = None
                if self.fault_rate and self.rng.random() < self.fault_rate:
                    fault = self.rng.choice(self.fault_kinds)
                for pending in self.inject:
                    if pending[0] == endpoint:
                        self.inject.remove(pending)
                        fault = pending[1]
                        break
                if endpoint in self.lose_next:
                    self.lose_next.remove(endpoint)
                    fault = "lost"
                if fault is not None and fault != "lost":
                    self.faults[fault] += 1
                    if fault == "429":
                        raise HttpError(
                            429, "RATE_LIMITS", "injected", {"Retry-After": str(self.retry_after)}
                        )
                    raise HttpError(int(fault), "INTERNAL_ERROR", "injected")
                body = json.loads(raw) if raw else dict(urllib.parse.parse_qsl(query)) if query else None
                status, result = getattr(self, f"_{name}")(*args, body)
                if fault == "lost":
                    self.faults["lost"] += 1
                    return status, None, {}, True
                return status, result, self.rate_headers(), False
            except HttpError as exc:
                return exc.status, self._error(exc.status, exc.category, exc.message), exc.headers, False
            except BadRequest as exc:
                self.rejected.append(f"{endpoint}: {exc}")
                return 400, self._error(400, "VALIDATION_ERROR", str(exc)), {}, False
            except (KeyError, ValueError, TypeError) as exc:
                self.rejected.append(f"{endpoint}: {type(exc).__name__}: {exc}")
                return 400, self._error(400, "VALIDATION_ERROR", f"invalid input: {exc}"), {}, False

    @staticmethod
    def _error(status: int, category: str, message: str) -> dict[str, Any]:
        return {"status": "error", "message": message, "correlationId": "fake-0000", "category": category}

    # -- endpoints --------------------------------------------------------------------------------------
    def _known(self, object_type: str) -> dict[int, dict[str, Any]]:
        if object_type not in self.objects:
            raise HttpError(404, "OBJECT_NOT_FOUND", f"unknown object type {object_type}")
        return self.objects[object_type]

    def _value(self, object_type: str, name: str, raw: Any) -> Any:
        prop = self.properties[object_type].get(name)
        kind = prop["type"] if prop else "string"
        if raw in (None, ""):
            return None
        if kind == "datetime":
            return to_ms(raw)
        if kind == "number":
            return float(raw)
        return str(raw)

    def _matches(self, object_type: str, obj: dict[str, Any], flt: dict[str, Any]) -> bool:
        name, op = flt["propertyName"], flt["operator"]
        current = self._value(object_type, name, obj["properties"].get(name))
        if op == "HAS_PROPERTY":
            return current is not None
        if op == "NOT_HAS_PROPERTY":
            return current is None
        if op in ("IN", "NOT_IN"):
            values = {self._value(object_type, name, v) for v in flt.get("values") or []}
            return bool((current in values) == (op == "IN"))
        if current is None:
            return bool(op == "NEQ")
        value = self._value(object_type, name, flt.get("value"))
        if value is None:
            raise BadRequest(f"filter on {name} needs a value")
        if op == "EQ":
            return bool(current == value)
        if op == "NEQ":
            return bool(current != value)
        compare = {
            "LT": current < value,
            "LTE": current <= value,
            "GT": current > value,
            "GTE": current >= value,
        }
        if op not in compare:
            raise BadRequest(f"operator {op} not supported by the fake")
        return bool(compare[op])

    def _search(self, object_type: str, body: Any) -> tuple[int, Any]:
        parse(PublicObjectSearchRequest, body)
        objects = self._known(object_type)
        limit = int(body.get("limit") or 10)
        if limit > 200:
            raise BadRequest("limit: must be at most 200")
        after = int(body.get("after") or 0)
        if after >= self.search_cap:
            raise BadRequest(f"paging beyond {self.search_cap} results is not allowed")
        groups = body.get("filterGroups") or []
        if len(groups) > 5 or any(len(g.get("filters") or []) > 6 for g in groups):
            raise BadRequest("too many filter groups or filters")
        hits = [
            (record_id, obj)
            for record_id, obj in objects.items()
            if not groups
            or any(all(self._matches(object_type, obj, f) for f in g.get("filters") or []) for g in groups)
        ]
        sorts = body.get("sorts") or []
        if len(sorts) > 1:
            raise BadRequest("only one sort is supported")
        if sorts:
            prop = str(sorts[0]).lstrip("-")
            descending = str(sorts[0]).startswith("-")

            def key(item: tuple[int, dict[str, Any]]) -> tuple[Any, float]:
                value = self._value(object_type, prop, item[1]["properties"].get(prop))
                # ties come back in no particular order (not by id), as on HubSpot
                return (value is None, value if value is not None else 0), float(
                    (item[0] * 2654435761 + self.tie_seed) % 1000003
                )

            hits.sort(key=key, reverse=descending)
        else:
            hits.sort(key=lambda item: item[0])
        window = hits[: self.search_cap]
        page = window[after : after + limit]
        result: dict[str, Any] = {
            "total": len(hits),
            "results": [self._public(object_type, i, o, body.get("properties") or None) for i, o in page],
        }
        if after + limit < len(window) and after + limit < self.search_cap:
            result["paging"] = {"next": {"after": str(after + limit), "link": ""}}
        return 200, result

    def _batch_envelope(self, results: list[Any], errors: list[dict[str, Any]], ok: int) -> tuple[int, Any]:
        now = iso(self.now_ms())
        body: dict[str, Any] = {
            "status": "COMPLETE",
            "results": results,
            "startedAt": now,
            "completedAt": now,
        }
        if errors:
            body["errors"] = errors
            body["numErrors"] = len(errors)
            return 207, body
        return ok, body

    @staticmethod
    def _record_error(category: str, message: str, ids: list[str]) -> dict[str, Any]:
        return {
            "status": "error",
            "category": category,
            "message": message,
            "context": {"ids": ids},
            "links": {},
            "errors": [],
        }

    def _batch_read(self, object_type: str, body: Any) -> tuple[int, Any]:
        parse(BatchReadInputSimplePublicObjectId, body)
        if len(body["inputs"]) > 100:
            raise BadRequest("inputs: at most 100")
        objects = self._known(object_type)
        id_property = body.get("idProperty")
        if id_property:
            prop = self.properties[object_type].get(id_property)
            if prop is None or not prop.get("hasUniqueValue"):
                raise BadRequest(f"{id_property} is not a unique-value property")
            by_value = self._unique_index(object_type, id_property)
        results, missing = [], []
        for item in body["inputs"]:
            record_id = (
                by_value.get(item["id"])
                if id_property
                else (int(item["id"]) if item["id"].isdigit() else None)
            )
            found = (
                (record_id, objects[record_id]) if record_id is not None and record_id in objects else None
            )
            if found is None:
                missing.append(item["id"])
            else:
                results.append(
                    self._public(object_type, found[0], found[1], [*body["properties"], id_property or ""])
                )
        errors = (
            [self._record_error("OBJECT_NOT_FOUND", "some objects could not be found", missing)]
            if missing
            else []
        )
        return self._batch_envelope(results, errors, 200)

    def _batch_update(self, object_type: str, body: Any) -> tuple[int, Any]:
        parse(BatchInputSimplePublicObjectBatchInput, body)
        objects = self._known(object_type)
        inputs = body["inputs"]
        if len(inputs) > 100:
            raise BadRequest("inputs: at most 100")
        ids = [item["id"] for item in inputs]
        if len(set(ids)) != len(ids):
            raise BadRequest("duplicate ids in batch input")
        for item in inputs:
            unknown = sorted(set(item["properties"]) - set(self.properties[object_type]))
            if unknown:
                raise BadRequest(f"Property values were not valid: unknown properties {unknown}")
            for key, value in item["properties"].items():
                self._normalise(object_type, key, value)
        results, errors = [], []
        for item in inputs:
            record_id = int(item["id"])
            if record_id not in objects:
                errors.append(self._record_error("OBJECT_NOT_FOUND", "not found", [item["id"]]))
            elif record_id in self.fail_ids:
                category = self.fail_ids[record_id]
                message = f"{category}: values {item['properties']} refused"  # echoes data, as HubSpot may
                errors.append(self._record_error(category, message, [item["id"]]))
            else:
                self.update(object_type, record_id, item["properties"])
                self.writes[record_id] += 1
                results.append(self._public(object_type, record_id, objects[record_id], None))
        return self._batch_envelope(results, errors, 200)

    def _batch_create(self, object_type: str, body: Any) -> tuple[int, Any]:
        parse(BatchInputSimplePublicObjectBatchInputForCreate, body)
        objects = self._known(object_type)
        inputs = body["inputs"]
        if len(inputs) > 100:
            raise BadRequest("inputs: at most 100")
        unique = [n for n, p in self.properties[object_type].items() if p.get("hasUniqueValue")]
        for name in unique:
            taken = self._unique_index(object_type, name)
            values = [item["properties"].get(name) for item in inputs if item["properties"].get(name)]
            if any(v in taken and taken[v] in objects for v in values) or len(set(values)) != len(values):
                raise HttpError(409, "CONFLICT", f"a record already has that {name} value")
        for item in inputs:
            unknown = sorted(set(item["properties"]) - set(self.properties[object_type]))
            if unknown:
                raise BadRequest(f"Property values were not valid: unknown properties {unknown}")
        if self.reject_missing_associations:
            for item in inputs:
                for association in item.get("associations") or []:
                    for spec in association["types"]:
                        to_type = {204: "contacts", 192: "companies", 216: "deals"}.get(
                            spec["associationTypeId"]
                        )
                        if to_type and int(association["to"]["id"]) not in self.objects[to_type]:
                            raise BadRequest("association to a record that does not exist")
        results = []
        for item in inputs:
            record_id = self.create(object_type, item["properties"])
            for association in item.get("associations") or []:
                to_id = int(association["to"]["id"])
                for spec in association["types"]:
                    to_type = {204: "contacts", 192: "companies", 216: "deals"}.get(spec["associationTypeId"])
                    if to_type is None:
                        raise BadRequest(f"unknown association type {spec['associationTypeId']}")
                    self.associate(object_type, record_id, to_type, to_id, spec["associationTypeId"])
            results.append(self._public(object_type, record_id, objects[record_id], None))
        return self._batch_envelope(results, [], 201)

    def _assoc_read(self, from_type: str, to_type: str, body: Any) -> tuple[int, Any]:
        parse(BatchInputPublicFetchAssociationsBatchRequest, body)
        if len(body["inputs"]) > 1000:
            raise BadRequest("inputs: at most 1000")
        results, missing = [], []
        for item in body["inputs"]:
            linked = self.assoc.get((from_type, int(item["id"]), to_type))
            if not linked:
                missing.append(item["id"])
                continue
            results.append(
                {
                    "from": {"id": item["id"]},
                    "to": [
                        {
                            "toObjectId": str(to_id),
                            "associationTypes": [
                                {"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": None}
                            ],
                        }
                        for to_id, type_id in linked
                    ],
                }
            )
        errors = [self._record_error("NO_ASSOCIATIONS_FOUND", "no associations", missing)] if missing else []
        return self._batch_envelope(results, errors, 200)

    def _group_get(self, object_type: str, name: str, body: Any) -> tuple[int, Any]:
        if name not in self.groups.get(object_type, set()):
            raise HttpError(404, "OBJECT_NOT_FOUND", "no such group")
        return 200, {"name": name, "label": name, "displayOrder": -1, "archived": False}

    def _group_create(self, object_type: str, body: Any) -> tuple[int, Any]:
        parse(PropertyGroupCreate, body)
        self.groups[object_type].add(body["name"])
        return 201, {"name": body["name"], "label": body["label"], "displayOrder": -1, "archived": False}

    def _props_get(self, object_type: str, body: Any) -> tuple[int, Any]:
        return 200, {"results": list(self.properties[object_type].values())}

    def _props_create(self, object_type: str, body: Any) -> tuple[int, Any]:
        parse(PropertyCreate, body)
        if body.get("hasUniqueValue") and object_type in self.no_unique_values:
            raise BadRequest(f"unique values are not supported on {object_type}")
        if body["name"] in self.properties[object_type]:
            raise HttpError(409, "CONFLICT", "property exists")
        options = [{**o, "hidden": o.get("hidden", False)} for o in body.get("options") or []]
        self.properties[object_type][body["name"]] = self._prop_def(
            body["name"],
            body["type"],
            body["fieldType"],
            groupName=body["groupName"],
            options=options,
            hasUniqueValue=bool(body.get("hasUniqueValue")),
            label=body["label"],
        )
        return 201, self.properties[object_type][body["name"]]

    def _props_update(self, object_type: str, name: str, body: Any) -> tuple[int, Any]:
        parse(PropertyUpdate, body)
        prop = self.properties[object_type][name]
        if "options" in body:
            prop["options"] = [{**o, "hidden": o.get("hidden", False)} for o in body["options"]]
        return 200, prop

    def _list(self, object_type: str, query: Any) -> tuple[int, Any]:
        """GET /crm/v3/objects/{type}: pages by id; `archived=true` lists deleted records."""
        query = query or {}
        limit = min(int(query.get("limit", 10)), 100)
        after = int(query.get("after") or 0)
        archived = str(query.get("archived", "false")).lower() == "true"
        source = self.archived[object_type] if archived else self._known(object_type)
        ids = sorted(i for i in source if i > after)
        page = ids[:limit]
        results = []
        for record_id in page:
            item = self._public(object_type, record_id, source[record_id], [])
            if archived:
                item["archived"] = True
                item["archivedAt"] = iso(source[record_id]["archived_at"])
            results.append(item)
        body: dict[str, Any] = {"results": results}
        if len(ids) > limit:
            body["paging"] = {"next": {"after": str(page[-1]), "link": ""}}
        return 200, body

    def _dispositions(self, body: Any) -> tuple[int, Any]:
        return 200, [{"id": k, "label": v, "deleted": False} for k, v in self.dispositions.items()]

    # -- inspection -------------------------------------------------------------------------------------
    def tasks_by_key(self, key_field: str = "qualicall_key") -> Counter[str]:
        """How many tasks carry each key (a duplicate shows as a count above 1)."""
        with self.lock:
            return Counter(o["properties"].get(key_field, "") for o in self.objects["tasks"].values())
