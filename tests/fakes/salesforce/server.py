"""A stateful HTTPS fake of the Salesforce REST API on 127.0.0.1 (port 0, certificate from a trustme CA).

It speaks the shapes simple-salesforce and the adapter use: SOAP login and OAuth token endpoint,
versions, limits, query / queryAll with nextRecordsUrl paging (`Sforce-Query-Options: batchSize`),
describe, single-record GET / PATCH / upsert, sObject Collections update and upsert by external id with
per-record results, Bulk API 2.0 query jobs (create, status, CSV results paged by `Sforce-Locator`;
child-to-parent columns such as `Account.Industry`), the Composite resource (`POST composite`, query /
queryAll subrequests; body shape and the 25-subrequest / 5-query limits checked); every API response
carries `Sforce-Limit-Info`. Faults come from `org.faults`, on requests and on composite subrequests.
`GET /_fake/stats` returns the counters (requests by endpoint, faults injected) for out-of-process use.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import re
import secrets
import ssl
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import trustme

from tests.fakes.salesforce.org import OBJECT_OF_PREFIX, RELATIONS, SCHEMA, Org, RecordFailure, to_json
from tests.fakes.salesforce.soql import Query, SoqlError, TypeOf, matches, parse, sort_key

VERSIONS = ("57.0", "58.0", "59.0", "60.0")
_DATA = re.compile(r"^/services/data/v(\d+\.0)/(.*)$")


def endpoint_label(method: str, path: str) -> str:
    """The counter label of a request: query, query-more, composite/sobjects, sobject-get, login..."""
    if path.startswith("/services/Soap/u/") or path.startswith("/services/oauth2/"):
        return "login"
    m = _DATA.match(path)
    if not m:
        return "versions" if path.rstrip("/") == "/services/data" else "other"
    parts = [p for p in m.group(2).split("/") if p]
    if not parts:
        return "other"
    if parts[0] in ("query", "queryAll"):
        return "query-more" if len(parts) > 1 else parts[0]
    if parts[0] == "composite" and parts[1:2] == ["sobjects"]:
        return "composite/sobjects/upsert" if len(parts) > 2 else "composite/sobjects"
    if parts[0] == "jobs" and len(parts) > 1:
        return "/".join(parts[:2]) + {2: "", 3: "/status"}.get(len(parts), "/" + parts[-1])
    if parts[0] == "sobjects":
        if parts[-1] == "describe":
            return "describe"
        return f"sobject-{method.lower()}"
    return parts[0]


class FakeSalesforce:
    """Owns an `Org` and the HTTPS server answering for it. Use `running()` or start() / stop()."""

    def __init__(self, org: Org | None = None, tmp_dir: Path | None = None) -> None:
        self.org = org or Org()
        self.ca = trustme.CA()
        self._tmp = tempfile.TemporaryDirectory() if tmp_dir is None else None
        directory = Path(tmp_dir or self._tmp.name)  # type: ignore[union-attr]
        self.ca_file = str(directory / "fake-salesforce-ca.pem")
        self.ca.cert_pem.write_to_path(self.ca_file)
        self.cursors: dict[str, tuple[list[dict[str, Any]], int]] = {}
        self.bulk_jobs: dict[str, BulkJob] = {}
        self.bulk_polls = 1
        """Status requests a new Bulk API 2.0 job answers InProgress before JobComplete."""
        handler = type("Handler", (_Handler,), {"fake": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.base_url = f"https://127.0.0.1:{self.port}"
        self._thread: threading.Thread | None = None

    def start(self) -> FakeSalesforce:
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._tmp is not None:
            self._tmp.cleanup()

    def stats(self) -> dict[str, Any]:
        """Counters (requests by endpoint, faults, logins) and integrity figures of the org."""
        org = self.org
        tasks = [r for r in org.records["Task"].values() if not r["IsDeleted"]]
        calls = [r for r in tasks if r.get("TaskSubtype") == "Call"]
        keys = [r["Qualicall_Key__c"] for r in tasks if r.get("Qualicall_Key__c")]
        return {
            "requests": dict(org.requests),
            "subrequests": dict(org.subrequests),
            "faults": dict(org.faults.injected),
            "logins": org.logins,
            "api_used": org.api_used,
            "max_collection": org.max_collection,
            "calls": len(calls),
            "calls_written": sum(1 for r in calls if r.get("Qualicall_Status__c")),
            "follow_ups": len(keys),
            "follow_up_keys_unique": len(set(keys)),
        }

    def issue_token(self) -> str:
        token = "00D000000000001!" + secrets.token_hex(16)
        self.org.tokens.add(token)
        self.org.logins += 1
        return token

    # -- queries ----------------------------------------------------------------------------------
    def render(self, query: Query, record: dict[str, Any]) -> dict[str, Any]:
        org = self.org
        row: dict[str, Any] = {
            "attributes": {"type": query.sobject, "url": f"/sobjects/{query.sobject}/{record['Id']}"}
        }
        for item in query.select:
            if isinstance(item, TypeOf):
                target = org.get(record.get(RELATIONS.get(item.relation, item.relation + "Id")))
                if target is None:
                    row[item.relation] = None
                    continue
                kind = OBJECT_OF_PREFIX[target["Id"][:3]]
                names = item.whens.get(kind, item.otherwise)
                nested: dict[str, Any] = {"attributes": {"type": kind}}
                nested.update({n: to_json(target.get(n)) for n in names})
                row[item.relation] = nested
                continue
            parts = item.split(".")
            if len(parts) == 1:
                row[item] = to_json(record.get(item))
                continue
            relation = parts[0]
            if relation in row and row[relation] is None:
                continue
            target = org.get(record.get(RELATIONS.get(relation, relation + "Id")))
            if target is None:
                row[relation] = None
                continue
            nested = row.setdefault(relation, {"attributes": {"type": OBJECT_OF_PREFIX[target["Id"][:3]]}})
            nested[parts[1]] = to_json(target.get(parts[1]))
        return row

    def run_query(self, text: str, include_deleted: bool, batch: int, version: str) -> dict[str, Any]:
        query = parse(text)
        if query.sobject not in SCHEMA:
            raise SoqlError(f"sObject type '{query.sobject}' is not supported")
        known = SCHEMA[query.sobject]
        for item in query.select:
            names = [item] if isinstance(item, str) else []
            for name in names:
                if "." not in name and name not in known:
                    raise SoqlError(f"No such column '{name}' on entity '{query.sobject}'")
        org = self.org
        records = [
            r
            for r in org.records[query.sobject].values()
            if (include_deleted or not r["IsDeleted"]) and matches(query.where, r, org.resolve)
        ]
        if query.order:
            records.sort(key=sort_key(query, org.resolve))
        if query.limit is not None:
            records = records[: query.limit]
        rows = [self.render(query, r) for r in records]
        locator = "01g" + secrets.token_hex(6)
        self.cursors[locator] = (rows, batch)
        return self.page(locator, 0, version, total=len(rows))

    def page(self, locator: str, offset: int, version: str, total: int | None = None) -> dict[str, Any]:
        rows, batch = self.cursors[locator]
        chunk = rows[offset : offset + batch]
        done = offset + batch >= len(rows)
        result: dict[str, Any] = {
            "totalSize": len(rows) if total is None else total,
            "done": done,
            "records": chunk,
        }
        if done:
            self.cursors.pop(locator, None)
        else:
            result["nextRecordsUrl"] = f"/services/data/v{version}/query/{locator}-{offset + batch}"
        return result

    # -- Bulk API 2.0 query jobs ------------------------------------------------------------------
    def create_bulk_job(self, payload: dict[str, Any]) -> tuple[int, Any]:
        """POST jobs/query: parse and run the query now (a snapshot), CSV rows served by /results."""
        operation = payload.get("operation")
        if operation not in ("query", "queryAll"):
            return 400, _error("INVALIDJOB", f"unsupported operation {operation!r}")
        query = parse(str(payload.get("query") or ""))
        if query.order or query.limit is not None or any(isinstance(i, TypeOf) for i in query.select):
            return 400, _error("INVALIDJOB", "Bulk API 2.0 queries support no TYPEOF, ORDER BY or LIMIT")
        if query.sobject not in SCHEMA or not all(
            isinstance(name, str) and _bulk_column(query.sobject, name) for name in query.select
        ):
            return 400, _error("INVALIDJOB", "unknown sObject or field")
        org = self.org
        records = [
            r
            for r in org.records[query.sobject].values()
            if (operation == "queryAll" or not r["IsDeleted"]) and matches(query.where, r, org.resolve)
        ]
        header = [str(name) for name in query.select]
        rows = [[_csv_value(org.resolve(r, name)) for name in header] for r in records]
        job = BulkJob(
            "750" + secrets.token_hex(6), str(operation), query.sobject, header, rows, self.bulk_polls
        )
        self.bulk_jobs[job.id] = job
        return 200, job.info("UploadComplete")

    def bulk_status(self, job_id: str) -> tuple[int, Any]:
        job = self.bulk_jobs.get(job_id)
        if job is None:
            return 404, _error("NOT_FOUND", "job not found")
        if job.polls_left > 0:
            job.polls_left -= 1
            return 200, job.info("InProgress")
        return 200, job.info("JobComplete")

    def bulk_results(self, job_id: str, query: str) -> tuple[int, Any]:
        job = self.bulk_jobs.get(job_id)
        if job is None:
            return 404, _error("NOT_FOUND", "job not found")
        if job.polls_left > 0:
            return 400, _error("INVALIDJOB", "job is not complete")
        params = {k: v[0] for k, v in parse_qs(query).items()}
        size = int(params.get("maxRecords") or 50_000)
        locator = params.get("locator") or ""
        offset = int(locator.removeprefix("L")) if locator else 0
        chunk = job.rows[offset : offset + size]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(job.header)
        writer.writerows(chunk)
        following = offset + size
        headers = {
            "Sforce-Locator": f"L{following}" if following < len(job.rows) else "null",
            "Sforce-NumberOfRecords": str(len(chunk)),
        }
        return 200, Raw(buffer.getvalue(), "text/csv", headers)

    # -- Composite ---------------------------------------------------------------------------------
    def composite(self, version: str, payload: Any) -> tuple[int, Any]:
        """POST composite: check the body, run each subrequest in order, answer `compositeResponse`.

        A body that breaks the documented shape or limits (compositeRequest list of ≤ 25 subrequests,
        ≤ 5 of them queries; each with method, url, referenceId; allOrNone optional boolean) is refused
        as a whole with 400 and Salesforce's error shape [{message, errorCode}] (the error codes are the
        fake's). With allOrNone true, once a subrequest fails every other one answers 400
        PROCESSING_HALTED.
        """
        problem = _composite_problem(payload)
        if problem is not None:
            return 400, _error(*problem)
        subrequests: list[dict[str, Any]] = payload["compositeRequest"]
        all_or_none = bool(payload.get("allOrNone", False))
        answers: list[dict[str, Any]] = []
        for sub in subrequests:
            status, body = self.subrequest(version, str(sub["method"]), str(sub["url"]))
            answers.append(
                {"body": body, "httpHeaders": {}, "httpStatusCode": status, "referenceId": sub["referenceId"]}
            )
            if all_or_none and status >= 400:
                break
        if all_or_none and answers[-1]["httpStatusCode"] >= 400:
            failed = answers[-1]
            halted = _error("PROCESSING_HALTED", "The transaction was rolled back since another operation")
            answers = [
                a if a is failed else {**a, "body": halted, "httpStatusCode": 400} for a in answers
            ] + [
                {"body": halted, "httpHeaders": {}, "httpStatusCode": 400, "referenceId": sub["referenceId"]}
                for sub in subrequests[len(answers) :]
            ]
        return 200, {"compositeResponse": answers}

    def subrequest(self, version: str, method: str, url: str) -> tuple[int, Any]:
        """One composite subrequest: GET query / queryAll (or a query-more URL), with subrequest faults."""
        org = self.org
        split = urlsplit(url)
        m = _DATA.match(split.path)
        parts = [unquote(p) for p in m.group(2).split("/") if p] if m else []
        label = "query-more" if len(parts) == 2 else (parts[0] if parts else "other")
        org.subrequests[label] += 1
        if not m or m.group(1) not in VERSIONS or float(m.group(1)) > float(version):
            return 400, _error("INVALID_API_VERSION", "subrequest version unknown or above the request's")
        if method != "GET" or not parts or parts[0] not in ("query", "queryAll") or len(parts) > 2:
            return 400, _error("NOT_FOUND", "the fake answers query subrequests only")
        fault = org.faults.pick_sub(method, split.path)
        if fault == "sub5xx":
            return 500, _error("UNKNOWN_EXCEPTION", "An unexpected error occurred.")
        if fault == "subquery":
            return 400, _error("MALFORMED_QUERY", "unexpected token")
        if len(parts) == 2:
            locator, _, offset = parts[1].rpartition("-")
            if locator not in self.cursors:
                return 400, _error("INVALID_QUERY_LOCATOR", "invalid query locator")
            return 200, self.page(locator, int(offset), m.group(1))
        text = parse_qs(split.query).get("q", [""])[0]
        try:
            return 200, self.run_query(text, parts[0] == "queryAll", 2000, m.group(1))
        except SoqlError as exc:
            return 400, _error("MALFORMED_QUERY", str(exc))


MAX_SUBREQUESTS = 25
MAX_QUERY_SUBREQUESTS = 5
_REFERENCE_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,79}$")
_METHODS = frozenset({"GET", "POST", "PATCH", "PUT", "DELETE", "HEAD"})
_PARENTS = {"Account": "Account", "Owner": "User"}
"""Child-to-parent relationships the fake's bulk jobs can select (`Account.Industry`...)."""


def _bulk_column(sobject: str, name: str) -> bool:
    """Whether a bulk query may select `name` on `sobject`: a field, or `<relationship>.<field>` of a
    (non-polymorphic) parent."""
    relation, _, field = name.rpartition(".")
    if not relation:
        return name in SCHEMA[sobject]
    parent = _PARENTS.get(relation)
    return parent is not None and RELATIONS.get(relation, "") in SCHEMA[sobject] and field in SCHEMA[parent]


def _composite_problem(payload: Any) -> tuple[str, str] | None:
    """(errorCode, message) of what makes a composite body unacceptable, or None when it is fine."""
    if not isinstance(payload, dict) or not isinstance(payload.get("compositeRequest"), list):
        return "JSON_PARSER_ERROR", "compositeRequest: expected a list of subrequests"
    unknown = set(payload) - {"compositeRequest", "allOrNone", "collateSubrequests"}
    if unknown or not isinstance(payload.get("allOrNone", False), bool):
        return "JSON_PARSER_ERROR", "unrecognized field or allOrNone not a boolean"
    subrequests = payload["compositeRequest"]
    if not subrequests:
        return "INVALID_INPUT", "compositeRequest: at least one subrequest is required"
    if len(subrequests) > MAX_SUBREQUESTS:
        return "LIMIT_EXCEEDED", f"a composite request holds at most {MAX_SUBREQUESTS} subrequests"
    references: set[str] = set()
    queries = 0
    for sub in subrequests:
        if not isinstance(sub, dict) or set(sub) - {"method", "url", "referenceId", "body", "httpHeaders"}:
            return "JSON_PARSER_ERROR", "a subrequest holds method, url, referenceId, body, httpHeaders"
        method, url, ref = sub.get("method"), sub.get("url"), sub.get("referenceId")
        if method not in _METHODS or not isinstance(url, str) or not url.startswith("/services/data/v"):
            return "INVALID_INPUT", "a subrequest needs an HTTP method and a /services/data/vXX.X/ url"
        if not isinstance(ref, str) or not _REFERENCE_ID.match(ref) or ref in references:
            return "INVALID_INPUT", "referenceId: a unique name of letters, digits and underscores"
        references.add(ref)
        queries += urlsplit(url).path.split("/")[4:5] in (["query"], ["queryAll"])
    if queries > MAX_QUERY_SUBREQUESTS:
        return (
            "LIMIT_EXCEEDED",
            f"a composite request holds at most {MAX_QUERY_SUBREQUESTS} query subrequests",
        )
    return None


@dataclass
class BulkJob:
    """One Bulk API 2.0 query job of the fake: its CSV header and rows, computed at creation."""

    id: str
    operation: str
    sobject: str
    header: list[str]
    rows: list[list[str]]
    polls_left: int

    def info(self, state: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "operation": self.operation,
            "object": self.sobject,
            "state": state,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "columnDelimiter": "COMMA",
            "lineEnding": "LF",
            "numberRecordsProcessed": len(self.rows) if state == "JobComplete" else 0,
        }


@dataclass(frozen=True)
class Raw:
    """A non-JSON response body with its content type and extra headers."""

    text: str
    content_type: str
    headers: dict[str, str]


def _csv_value(value: Any) -> str:
    """A stored value as Bulk API 2.0 CSV text (null is empty, datetimes in UTC with Z)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _error(code: str, message: str) -> list[dict[str, Any]]:
    return [{"message": message, "errorCode": code}]


class _Handler(BaseHTTPRequestHandler):
    fake: FakeSalesforce
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # silence the default request log
        return

    def _send(self, status: int, body: Any, content_type: str = "application/json", api: bool = True) -> None:
        extra: dict[str, str] = {}
        if isinstance(body, Raw):
            body, content_type, extra = body.text, body.content_type, body.headers
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in extra.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        if api:
            org = self.fake.org
            self.send_header("Sforce-Limit-Info", f"api-usage={org.api_used}/{org.api_max}")
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def _dispatch(self, method: str) -> None:
        split = urlsplit(self.path)
        path = split.path
        body = self._body()
        org = self.fake.org
        with org.lock:
            if path == "/_fake/stats":
                self._send(200, self.fake.stats(), api=False)
                return
            label = endpoint_label(method, path)
            org.requests[label] += 1
            if label == "login":
                self._login(path, body)
                return
            if label == "versions":
                self._send(200, [{"version": v, "url": f"/services/data/v{v}", "label": v} for v in VERSIONS])
                return
            token = (self.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
            if token not in org.tokens:
                self._send(401, _error("INVALID_SESSION_ID", "Session expired or invalid"))
                return
            org.api_used += 1
            if org.api_used > org.api_max:
                self._send(403, _error("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."))
                return
            is_write = method == "PATCH"
            fault = org.faults.pick(method, path, is_write)
            if fault == "5xx":
                self._send(503, _error("SERVER_UNAVAILABLE", "Service unavailable"))
                return
            if fault == "limit":
                self._send(403, _error("REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded."))
                return
            if fault == "budget":
                self._send(403, _error("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."))
                return
            if fault == "session":
                org.tokens.clear()
                self._send(401, _error("INVALID_SESSION_ID", "Session expired or invalid"))
                return
            m = _DATA.match(path)
            if not m:
                self._send(404, _error("NOT_FOUND", "The requested resource does not exist"))
                return
            version, rest = m.group(1), m.group(2)
            try:
                status, payload = self._api(method, version, rest, split.query, body, lock=(fault == "lock"))
            except SoqlError as exc:
                status, payload = 400, _error("MALFORMED_QUERY", str(exc))
            if fault == "lost":
                self.close_connection = True
                return
            if status == 204:
                self.send_response(204)
                org_ = self.fake.org
                self.send_header("Sforce-Limit-Info", f"api-usage={org_.api_used}/{org_.api_max}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self._send(status, payload)

    # -- login ------------------------------------------------------------------------------------
    def _login(self, path: str, body: bytes) -> None:
        fake, org = self.fake, self.fake.org
        if path.startswith("/services/Soap/u/"):
            text = body.decode()
            user = re.search(r"<n1:username>(.*?)</n1:username>", text, re.S)
            password = re.search(r"<n1:password>(.*?)</n1:password>", text, re.S)
            expected = org.users.get(html.unescape(user.group(1)) if user else "")
            if not expected or not password or html.unescape(password.group(1)) != expected[0] + expected[1]:
                fault = (
                    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope'
                    ' xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
                    ' xmlns:sf="urn:fault.partner.soap.sforce.com">'
                    "<soapenv:Body><soapenv:Fault><faultcode>INVALID_LOGIN</faultcode>"
                    "<detail><sf:LoginFault><sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>"
                    "<sf:exceptionMessage>Invalid username, password, security token; or user locked out."
                    "</sf:exceptionMessage></sf:LoginFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"
                )
                self._send(500, fault, "text/xml", api=False)
                return
            token = fake.issue_token()
            version = path.rsplit("/", 1)[-1]
            xml = (
                '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
                'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><loginResponse><result>'
                f"<serverUrl>{fake.base_url}/services/Soap/u/{version}/00D000000000001</serverUrl>"
                f"<sessionId>{token}</sessionId><userId>005000000000001AAA</userId>"
                "</result></loginResponse></soapenv:Body></soapenv:Envelope>"
            )
            self._send(200, xml, "text/xml", api=False)
            return
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        grant = form.get("grant_type", "")
        ok = False
        if grant == "client_credentials":
            auth = (self.headers.get("Authorization") or "").removeprefix("Basic ")
            try:
                key, _, secret = base64.b64decode(auth).decode().partition(":")
            except ValueError:
                key, secret = "", ""
            ok = org.client_apps.get(key) == secret
        elif grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            import jwt

            try:
                claims = jwt.decode(form.get("assertion", ""), options={"verify_signature": False})
                ok = claims.get("iss") in org.client_apps and claims.get("sub") in org.users
            except jwt.PyJWTError:
                ok = False
        if not ok:
            self._send(
                400, {"error": "invalid_grant", "error_description": "authentication failure"}, api=False
            )
            return
        self._send(
            200,
            {
                "access_token": fake.issue_token(),
                "instance_url": fake.base_url,
                "token_type": "Bearer",
                "id": "https://login/id/00D/005",
            },
            api=False,
        )

    # -- REST API ---------------------------------------------------------------------------------
    def _api(
        self, method: str, version: str, rest: str, query: str, body: bytes, lock: bool
    ) -> tuple[int, Any]:
        fake, org = self.fake, self.fake.org
        parts = [unquote(p) for p in rest.split("/") if p]
        if method == "GET" and parts == ["limits"]:
            return 200, {"DailyApiRequests": {"Max": org.api_max, "Remaining": org.api_max - org.api_used}}
        if method == "GET" and parts and parts[0] in ("query", "queryAll"):
            if len(parts) == 2:
                locator, _, offset = parts[1].rpartition("-")
                if locator not in fake.cursors:
                    return 400, _error("INVALID_QUERY_LOCATOR", "invalid query locator")
                return 200, fake.page(locator, int(offset), version)
            options = self.headers.get("Sforce-Query-Options") or ""
            m = re.search(r"batchSize=(\d+)", options)
            batch = max(200, min(2000, int(m.group(1)))) if m else 2000
            text = parse_qs(query).get("q", [""])[0]
            return 200, fake.run_query(text, parts[0] == "queryAll", batch, version)
        if method == "POST" and parts == ["composite"]:
            try:
                payload = json.loads(body or b"null")
            except ValueError:
                return 400, _error("JSON_PARSER_ERROR", "the body is not JSON")
            return fake.composite(version, payload)
        if parts[:2] == ["jobs", "query"]:
            if method == "POST" and len(parts) == 2:
                return fake.create_bulk_job(json.loads(body or b"{}"))
            if method == "GET" and len(parts) == 3:
                return fake.bulk_status(parts[2])
            if method == "GET" and len(parts) == 4 and parts[3] == "results":
                return fake.bulk_results(parts[2], query)
        if parts[:1] == ["sobjects"] and len(parts) >= 2:
            sobject = parts[1]
            if sobject not in SCHEMA:
                return 404, _error("NOT_FOUND", "The requested resource does not exist")
            if method == "GET" and parts[2:] == ["describe"]:
                return 200, org.describe(sobject)
            if method == "GET" and len(parts) == 3:
                record = org.records[sobject].get(parts[2])
                if record is None or record["IsDeleted"]:
                    return 404, _error("NOT_FOUND", "The requested resource does not exist")
                return 200, {"attributes": {"type": sobject}, **{k: to_json(v) for k, v in record.items()}}
            if method == "PATCH" and len(parts) == 3:
                try:
                    org.update(sobject, parts[2], json.loads(body or b"{}"))
                except RecordFailure as exc:
                    return 400, [{"errorCode": exc.code, "message": exc.message, "fields": exc.fields}]
                return 204, None
            if method == "PATCH" and len(parts) == 4:
                incoming = json.loads(body or b"{}")
                incoming[parts[2]] = parts[3]
                try:
                    record_id, created = org.upsert(sobject, parts[2], incoming)
                except RecordFailure as exc:
                    return 400, [{"errorCode": exc.code, "message": exc.message, "fields": exc.fields}]
                return (201 if created else 200), {
                    "id": record_id,
                    "success": True,
                    "errors": [],
                    "created": created,
                }
        if method == "PATCH" and parts[:2] == ["composite", "sobjects"]:
            payload = json.loads(body or b"{}")
            records = payload.get("records") or []
            if len(records) > 200:
                return 400, _error(
                    "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records"
                )
            if payload.get("allOrNone"):
                return 400, _error("INVALID_FIELD", "the fake supports allOrNone=false only")
            org.max_collection = max(org.max_collection, len(records))
            locked = org.faults.rng.randrange(len(records)) if lock and records else -1
            results = []
            for index, record in enumerate(records):
                record = dict(record)
                sobject = str((record.pop("attributes", None) or {}).get("type") or "")
                try:
                    if sobject not in SCHEMA:
                        raise RecordFailure("INVALID_TYPE", f"bad type {sobject!r}")
                    if index == locked:
                        raise RecordFailure(
                            "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record"
                        )
                    if len(parts) == 4:
                        record_id, created = org.upsert(parts[2], parts[3], record)
                        results.append({"id": record_id, "success": True, "errors": [], "created": created})
                    else:
                        record_id = str(record.pop("id", ""))
                        if OBJECT_OF_PREFIX.get(record_id[:3]) != sobject:
                            raise RecordFailure("MALFORMED_ID", f"bad id {record_id}")
                        org.update(sobject, record_id, record)
                        results.append({"id": record_id, "success": True, "errors": []})
                except RecordFailure as exc:
                    results.append(
                        {
                            "success": False,
                            "errors": [
                                {"statusCode": exc.code, "message": exc.message, "fields": exc.fields}
                            ],
                        }
                    )
            return 200, results
        return 404, _error("NOT_FOUND", "The requested resource does not exist")


@contextmanager
def running(org: Org | None = None, tmp_dir: Path | None = None) -> Iterator[FakeSalesforce]:
    """A started fake, stopped on exit."""
    fake = FakeSalesforce(org, tmp_dir).start()
    try:
        yield fake
    finally:
        fake.stop()
