"""`SalesforceAdapter`: calls are Task rows; see adapters/base.py for the contract it implements.

Reads: one SOQL query on Task per run (queryAll, so deleted calls come back with IsDeleted), paged via
nextRecordsUrl with `Sforce-Query-Options: batchSize=<n>`; one `Page` per response page, whose cursor is
{"modstamp": <SystemModstamp>, "id": <Id>} of its last row. A first sync of more than `bulk_threshold`
calls reads through a Bulk API 2.0 queryAll job instead (see `_bulk`: unordered, cursor on the last
page only; Account fields as `Account.<field>` columns of the job, Who fields looked up per results page
by SOQL queries batched 5 to a REST Composite request, see `_composite`). Writes: sObject Collections
update (≤ 200, allOrNone false); follow-ups: sObject Collections upsert on the task key field (exactly
once per key).
Every request goes through `SalesforceClient.call` (budget, re-login, retries, error translation).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from adapters.base import (
    Adapter,
    CheckItem,
    Cursor,
    FieldWrite,
    OutcomeEvent,
    Page,
    RecordError,
    SourceRecord,
    TaskCreate,
    WriteOutcome,
)
from adapters.salesforce import _bulk, _composite, _soql
from adapters.salesforce._client import SalesforceClient
from adapters.salesforce._errors import QueryLocatorExpired
from adapters.salesforce._records import object_of, outcome_of, task_record, to_source, update_record
from connector.errors import CRMError, FatalError, RetriableError
from connector.mapping import Mapping as FieldMapping
from connector.mapping import parse_datetime

log = structlog.get_logger("qualicall.salesforce")

Clock = Callable[[], datetime]
COLLECTION_LIMIT = 200
DEFAULT_LEAD_COMPANY = {
    "Name": "Company",
    "NumberOfEmployees": "NumberOfEmployees",
    "Industry": "Industry",
    "BillingCountry": "Country",
    "AnnualRevenue": "AnnualRevenue",
}


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _batches(
    items: Sequence[tuple[Any, dict[str, Any]]], ident: str
) -> Iterator[list[tuple[Any, dict[str, Any]]]]:
    """Collection batches of ≤ 200 in input order, where a record (by its `ident` value) appears at most
    once per request: a second write to the same record goes to the next request, after the first."""
    batch: list[tuple[Any, dict[str, Any]]] = []
    seen: set[Any] = set()
    for item in items:
        value = item[1].get(ident)
        if len(batch) == COLLECTION_LIMIT or value in seen:
            yield batch
            batch, seen = [], set()
        batch.append(item)
        seen.add(value)
    if batch:
        yield batch


def _describe_types(describe: Mapping[str, Any]) -> dict[str, str]:
    """Field name → type of a describe result."""
    fields = describe.get("fields") or []
    return {str(f.get("name")): str(f.get("type")) for f in fields if isinstance(f, dict)}


def plan_for(mapping: FieldMapping) -> _soql.CallQueryPlan:
    """The call query plan for a mapping ([mapping] call_filter, lead_company, lead_only/contact_only)."""
    options = mapping.options
    lead_company = options.get("lead_company", DEFAULT_LEAD_COMPANY)
    company_fields = mapping.source_fields("company")
    return _soql.plan_from_mapping(
        mapping.source_fields("call"),
        mapping.source_fields("prospect"),
        company_fields,
        call_filter=str(options.get("call_filter", "TaskSubtype = 'Call'")),
        exclude_key_field=mapping.task.get("key"),
        lead_company={k: str(v) for k, v in dict(lead_company).items() if k in company_fields},
        lead_only=[str(f) for f in options.get("lead_only_fields", [])],
        contact_only=[str(f) for f in options.get("contact_only_fields", [])],
    )


class SalesforceAdapter(Adapter):
    """Adapter for one Salesforce org (built by `adapters.salesforce.build`)."""

    name = "salesforce"
    max_write_batch = COLLECTION_LIMIT

    def __init__(self, client: SalesforceClient, mapping: FieldMapping, *, clock: Clock) -> None:
        super().__init__(mapping)
        self.client = client
        self.clock = clock
        self.plan = plan_for(mapping)
        self.key_field = mapping.task.get("key", "Qualicall_Key__c")
        self.batch_size = client.connection.batch_size
        self.bulk_page_rows = _bulk.BULK_PAGE_ROWS
        self._types: dict[str, str] | None = None

    # -- reading ----------------------------------------------------------------------------------
    def query_pages(self, soql: str, *, include_deleted: bool = False) -> Iterator[list[dict[str, Any]]]:
        """The record lists of each response page of a query (query / queryAll + nextRecordsUrl)."""
        for result in self.query_results(soql, include_deleted=include_deleted):
            yield list(result.get("records") or [])

    def query_results(self, soql: str, *, include_deleted: bool = False) -> Iterator[dict[str, Any]]:
        """Each response of a query (totalSize, done, records, nextRecordsUrl), following nextRecordsUrl."""
        headers = {"Sforce-Query-Options": f"batchSize={self.batch_size}"}
        endpoint = "queryAll" if include_deleted else "query"
        result: dict[str, Any] = self.client.call(
            endpoint, lambda sf: sf.query(soql, include_deleted=include_deleted, headers=headers)
        )
        while True:
            yield result
            next_url = result.get("nextRecordsUrl")
            if result.get("done", True) or not next_url:
                return
            result = self._query_more(str(next_url), headers)

    def _query_more(self, next_url: str, headers: dict[str, str]) -> dict[str, Any]:
        result: dict[str, Any] = self.client.call(
            "query-more", lambda sf: sf.query_more(next_url, identifier_is_url=True, headers=headers)
        )
        return result

    def _patch(self, operation: str, path: str, body: dict[str, Any]) -> Any:
        """PATCH a JSON body to a REST path (relative to the versioned base URL)."""
        data = json.dumps(body)
        return self.client.call(operation, lambda sf: sf.restful(path, method="PATCH", data=data))

    def iter_pages(self, cursor: Cursor | None) -> Iterator[Page]:
        """Pages of calls changed after `cursor` up to now (minus settle_seconds), oldest first.

        When a query locator expires between pages (INVALID_QUERY_LOCATOR), the query is issued again
        from the last page's cursor (at most three times), so nothing is skipped or repeated.

        A first sync (no cursor) whose first page reports more than `bulk_threshold` calls in the window
        reads them with a Bulk API 2.0 job instead (`_bulk_pages`; unordered, cursor only on the last
        page — see adapters/salesforce/_bulk.py).
        """
        upper = self.clock().astimezone(UTC) - timedelta(seconds=self.client.connection.settle_seconds)
        after: tuple[datetime, str] | None = None
        if cursor:
            after = (parse_datetime(cursor["modstamp"]), str(cursor["id"]))
        requeries = 0
        while True:
            soql = self.plan.changes_query(upper.replace(microsecond=0), after)
            try:
                for result in self.query_results(soql, include_deleted=True):
                    total = int(result.get("totalSize") or 0)
                    if not cursor and after is None and total > self.client.connection.bulk_threshold:
                        break  # a backfill: the REST locator is left to expire, the bulk job reads it all
                    rows = list(result.get("records") or [])
                    if not rows:
                        continue
                    records = [to_source(row, self.plan) for row in rows]
                    if after is not None:  # defensive: never hand back what the cursor already covers
                        records = [r for r in records if (r.modified_at, r.id) > after]
                    last = rows[-1]
                    cursor_out = {"modstamp": str(last["SystemModstamp"]), "id": str(last["Id"])}
                    after = (parse_datetime(last["SystemModstamp"]), str(last["Id"]))
                    yield Page(records=records, cursor=cursor_out)
                else:
                    return
            except QueryLocatorExpired:
                requeries += 1
                if requeries > 3:
                    raise
                log.info("salesforce.query_locator_expired", requery=requeries)
                continue
            log.info("salesforce.bulk_backfill", calls=total)
            yield from self._bulk_pages(upper.replace(microsecond=0), cursor)
            return

    def _bulk_pages(self, upper: datetime, cursor: Cursor | None) -> Iterator[Page]:
        """The first-sync window read by a Bulk API 2.0 queryAll job (see `_bulk`): pages of
        `batch_size` records; every page but the last carries the incoming cursor, the last one the
        greatest (SystemModstamp, Id) of the whole job.

        Per results page (≤ `bulk_page_rows` CSV rows): the Who records of its distinct WhoIds are read
        first (`_who_records`, composite-batched lookups), then the rows are typed, nested and turned
        into SourceRecords `batch_size` at a time, each chunk's CSV rows released as it is done."""
        start: Cursor = dict(cursor or {})
        types = self._bulk_types()
        greatest: tuple[datetime, str, str] | None = None
        pending: list[SourceRecord] | None = None
        for rows in self._bulk_rows(self.plan.bulk_query(upper)):
            who = self._who_records({row["WhoId"] for row in rows if row.get("WhoId")})
            while rows:
                chunk = [self._bulk_row(row, types, who) for row in rows[: self.batch_size]]
                del rows[: self.batch_size]
                for row in chunk:
                    stamp = (
                        parse_datetime(row["SystemModstamp"]),
                        str(row["Id"]),
                        str(row["SystemModstamp"]),
                    )
                    if greatest is None or stamp[:2] > greatest[:2]:
                        greatest = stamp
                if pending is not None:
                    yield Page(records=pending, cursor=start)
                pending = [to_source(row, self.plan) for row in chunk]
        if pending is not None and greatest is not None:
            yield Page(records=pending, cursor={"modstamp": greatest[2], "id": greatest[1]})

    def _bulk_row(
        self, row: Mapping[str, str], types: Mapping[str, str], who: Mapping[str, dict[str, Any]] | None
    ) -> dict[str, Any]:
        """One CSV row in the shape of a REST call-query row: typed values, `Account` nested from its
        `Account.<field>` columns, `Who` from the looked-up records (when Who fields are mapped)."""
        typed = _bulk.typed(row, types)
        _bulk.nest(typed, "Account", "AccountId")
        if who is not None:
            typed["Who"] = who.get(str(typed.get("WhoId") or ""))
        return typed

    def _bulk_rows(self, soql: str) -> Iterator[list[dict[str, str]]]:
        """Create the queryAll job, poll it (injected sleep), then the CSV rows of each results page."""
        job = self.client.call("jobs/query", lambda sf: _bulk.create_query_all(sf, soql))
        job_id = str(job["id"])
        waited, delay = 0.0, _bulk.POLL_FIRST_S
        while True:
            info = self.client.call("jobs/query/status", lambda sf: _bulk.job_info(sf, job_id))
            state = str(info.get("state") or "")
            if state == "JobComplete":
                break
            if state in ("Failed", "Aborted"):
                raise FatalError(f"Salesforce Bulk API 2.0 query job {job_id}: {state}")
            if waited >= _bulk.POLL_GIVE_UP_S:
                raise RetriableError(
                    f"Salesforce Bulk API 2.0 query job {job_id} still {state} after {waited:.0f} s"
                )
            self.client.pause(delay)
            waited += delay
            delay = min(_bulk.POLL_MAX_S, delay * 2)
        locator = ""
        while True:
            text, locator = self._bulk_results(job_id, locator)
            rows = _bulk.parse_csv(text)
            del text  # the page's rows only, not its text too, while the consumer works on them
            yield rows
            if not locator:
                return

    def _bulk_results(self, job_id: str, locator: str) -> tuple[str, str]:
        size = self.bulk_page_rows
        return self.client.call(
            "jobs/query/results", lambda sf: _bulk.results_page(sf, job_id, locator, size)
        )

    def _bulk_types(self) -> dict[str, str]:
        """Column → describe type of the bulk job's columns: Task fields by name, Account fields as
        `Account.<field>` (the Account describe is read only when Account fields are mapped)."""
        if self._types is None:
            types = _describe_types(self.describe("Task"))
            if self.plan.account_columns():
                types.update(
                    (f"Account.{name}", kind)
                    for name, kind in _describe_types(self.describe("Account")).items()
                )
            self._types = types
        return self._types

    def _who_records(self, who_ids: set[str]) -> dict[str, dict[str, Any]] | None:
        """The Lead / Contact records (REST shape, `Id` + mapped fields) of `who_ids` by id, read by
        `WHERE Id IN (...)` queries of ≤ 200 ids batched 5 to a composite request; None when no Who
        field is mapped (the rows then get no `Who`)."""
        plan = self.plan
        if not (plan.lead_fields or plan.contact_fields):
            return None
        queries: list[str] = []
        for sobject, names in (("Lead", plan.lead_fields), ("Contact", plan.contact_fields)):
            ids = sorted(i for i in who_ids if object_of(i) == sobject)
            queries.extend(
                _soql.ids_query(sobject, ["Id", *names], chunk) for chunk in _chunks(ids, _bulk.LOOKUP_CHUNK)
            )
        found: dict[str, dict[str, Any]] = {}
        for rows in self.composite_query_pages(queries):
            for row in rows:
                found[str(row["Id"])] = row
        return found

    def composite_query_pages(self, queries: Sequence[str]) -> Iterator[list[dict[str, Any]]]:
        """The record lists of `queries`, sent `_composite.QUERIES_PER_REQUEST` to a composite request
        (one API call each); a result with more rows than one response holds is followed by query-more.
        A failed subrequest is retried (transient) or raised (permanent) by `_composite.QueryBatch`."""
        headers = {"Sforce-Query-Options": f"batchSize={self.batch_size}"}
        for group in _chunks(list(queries), _composite.QUERIES_PER_REQUEST):
            refs = [f"q{i}" for i in range(len(group))]
            batch = _composite.QueryBatch(dict(zip(refs, group, strict=True)))
            results = self.client.call(_composite.OPERATION, batch.send)
            for ref in refs:
                result = results[ref]
                while True:
                    yield list(result.get("records") or [])
                    next_url = result.get("nextRecordsUrl")
                    if result.get("done", True) or not next_url:
                        break
                    result = self._query_more(str(next_url), headers)

    # -- writing ----------------------------------------------------------------------------------
    def apply_updates(self, writes: Sequence[FieldWrite]) -> list[WriteOutcome]:
        """sObject Collections update (allOrNone false), ≤ 200 records a request; one outcome per write.

        A write whose target id is malformed or of an unexpected object is refused locally (MALFORMED_ID)
        without a request; per-record errors come back as outcomes, never as exceptions.
        """
        outcomes: dict[str, WriteOutcome] = {}
        sendable: list[tuple[FieldWrite, dict[str, Any]]] = []
        for write in writes:
            sobject = object_of(write.record_id)
            allowed = ("Task",) if write.target == "call" else ("Lead", "Contact")
            if sobject not in allowed:
                outcomes[write.key] = WriteOutcome(
                    write.key,
                    ok=False,
                    error=RecordError(
                        "MALFORMED_ID", f"not a {' or '.join(allowed)} id: {write.record_id[:40]}"
                    ),
                )
                continue
            sendable.append((write, update_record(sobject or "Task", write.record_id, write.fields)))
        for chunk in _batches(sendable, "id"):
            body = {"allOrNone": False, "records": [record for _, record in chunk]}
            results = self._patch("composite/sobjects update", "composite/sobjects", body)
            self._match(chunk, results, outcomes, upsert=False)
        return [outcomes[w.key] for w in writes]

    @staticmethod
    def _match(
        chunk: Sequence[tuple[Any, dict[str, Any]]],
        results: Any,
        outcomes: dict[str, WriteOutcome],
        *,
        upsert: bool,
    ) -> None:
        if not isinstance(results, list) or len(results) != len(chunk):
            raise FatalError("Salesforce composite/sobjects: result count does not match the request")
        for (item, _), result in zip(chunk, results, strict=True):
            outcomes[item.key] = outcome_of(item.key, result, upsert=upsert)

    def existing_tasks(self, keys: Sequence[str]) -> dict[str, str]:
        """Task id by key for the keys that already exist (one SOQL query per 200 keys)."""
        found: dict[str, str] = {}
        for chunk in _chunks(list(keys), COLLECTION_LIMIT):
            for rows in self.query_pages(_soql.keys_query(self.key_field, chunk)):
                for row in rows:
                    found[str(row[self.key_field])] = str(row["Id"])
        return found

    def create_tasks(self, tasks: Sequence[TaskCreate]) -> list[WriteOutcome]:
        """Upsert follow-ups on the key field (PATCH composite/sobjects/Task/<key>), ≤ 200 a request.

        Exactly once by construction: the key is an External ID, so a retry after a lost response
        updates the task it created instead of adding one. Retried tasks (attempt > 0) are first looked
        up by key, so a task that exists is reported `created=False` and not touched again.
        """
        outcomes: dict[str, WriteOutcome] = {}
        retried = [t.key for t in tasks if t.attempt > 0]
        existing = self.existing_tasks(retried) if retried else {}
        for task in tasks:
            if task.key in existing:
                outcomes[task.key] = WriteOutcome(task.key, ok=True, crm_id=existing[task.key], created=False)
        todo = [(t, task_record(t, self.key_field)) for t in tasks if t.key not in outcomes]
        path = f"composite/sobjects/Task/{self.key_field}"
        for chunk in _batches(todo, self.key_field):
            body = {"allOrNone": False, "records": [record for _, record in chunk]}
            results = self._patch("composite/sobjects upsert", path, body)
            self._match(chunk, results, outcomes, upsert=True)
        return [outcomes[t.key] for t in tasks]

    # -- outcomes ---------------------------------------------------------------------------------
    def read_outcomes(self, since: datetime) -> Iterator[OutcomeEvent]:
        """Meetings held (Events with a Who, ended since `since`) and opportunities opened since `since`
        (by account, or from a converted Lead: ConvertedOpportunityId / ConvertedDate)."""
        now = self.clock()
        for rows in self.query_pages(_soql.events_query(since, now)):
            for row in rows:
                yield OutcomeEvent(
                    kind="meeting",
                    id=str(row["Id"]),
                    occurred_at=parse_datetime(row["EndDateTime"]),
                    prospect_id=row.get("WhoId"),
                    company_id=row.get("AccountId"),
                )
        lead_of: dict[str, str] = {}
        for rows in self.query_pages(_soql.converted_leads_query(since)):
            for row in rows:
                lead_of[str(row["ConvertedOpportunityId"])] = str(row["Id"])
        for rows in self.query_pages(_soql.opportunities_query(since)):
            for row in rows:
                amount = row.get("Amount")
                yield OutcomeEvent(
                    kind="opportunity",
                    id=str(row["Id"]),
                    occurred_at=parse_datetime(row["CreatedDate"]),
                    prospect_id=lead_of.get(str(row["Id"])),
                    company_id=row.get("AccountId"),
                    amount=float(amount) if amount is not None else None,
                )

    # -- checks -----------------------------------------------------------------------------------
    def describe(self, sobject: str) -> dict[str, Any]:
        """The describe result of one sObject (fields with type, length, picklist values...)."""
        path = f"sobjects/{sobject}/describe"
        result = self.client.call(path, lambda sf: sf.restful(path))
        return dict(result or {})

    def check(self) -> list[CheckItem]:
        """Auth, API version, mapped fields (describe), remaining daily API allowance.

        The budget is not enforced here: a check must report an exhausted allowance, not stop on it.
        """
        with self.client.unmetered():
            return self._check()

    def _check(self) -> list[CheckItem]:
        from adapters.salesforce.setup import field_checks

        connection = self.client.connection
        try:
            sf = self.client.call("login", lambda sf: sf)
        except CRMError as exc:
            return [CheckItem("auth", False, f"{exc} (auth = {connection.auth})")]
        items = [CheckItem("auth", True, f"{connection.auth} login to {sf.sf_instance}")]
        try:
            versions = self.client.call(
                "versions",
                lambda sf: sf._call_salesforce("GET", f"https://{sf.sf_instance}/services/data/").json(),
            )
            known = {str(v.get("version")) for v in versions if isinstance(v, dict)}
            ok = connection.api_version in known
            latest = max(known, key=float) if known else "?"
            items.append(
                CheckItem(
                    "api version",
                    ok,
                    f"v{connection.api_version}" + ("" if ok else f" unknown (org: {latest})"),
                )
            )
        except CRMError as exc:
            items.append(CheckItem("api version", False, str(exc)))
        try:
            problems_by_object: dict[str, list[str]] = {}
            for check in field_checks(self, vocabulary=None):
                problems_by_object.setdefault(check.sobject, [])
                if check.problem:
                    problems_by_object[check.sobject].append(f"{check.field}: {check.problem}")
            for sobject, problems in problems_by_object.items():
                detail = "all mapped fields usable" if not problems else "; ".join(problems)
                if problems:
                    detail += " (run `qualicall setup salesforce`)"
                items.append(CheckItem(f"{sobject} fields", not problems, detail))
        except CRMError as exc:
            items.append(CheckItem("fields", False, str(exc)))
        try:
            limits = self.client.call("limits", lambda sf: sf.limits())
            daily = limits.get("DailyApiRequests", {})
            maximum, remaining = int(daily.get("Max", 0)), int(daily.get("Remaining", 0))
            stop_at = int(maximum * connection.daily_share)
            used = maximum - remaining
            items.append(
                CheckItem(
                    "daily API allowance",
                    used < stop_at,
                    f"{remaining} of {maximum} remaining; Qualicall stops at {stop_at} used "
                    f"({connection.daily_share:.0%})",
                )
            )
        except CRMError as exc:
            items.append(CheckItem("daily API allowance", False, str(exc)))
        return items

    def close(self) -> None:
        """Close the HTTP session."""
        self.client.session.close()
