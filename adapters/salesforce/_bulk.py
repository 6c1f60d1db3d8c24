"""Bulk API 2.0 backfill of call Tasks (a first sync whose window holds more than `bulk_threshold` calls).

When it runs: `SalesforceAdapter.iter_pages` starts without a cursor and the first page of the regular
REST changes query reports `totalSize` above `connection.bulk_threshold`. The size comes from that first
page (not from a separate `SELECT COUNT()`), so a small first sync costs no extra request; the REST
query locator is then abandoned (it expires on its own) and this module reads the same window.

How: one Bulk API 2.0 query job (operation `queryAll`, so deleted calls come back with IsDeleted = true)
on `SELECT <Task fields>, Account.<field>... FROM Task WHERE <call filter> AND SystemModstamp <= <upper>
[AND <key> = null]`. Bulk 2.0 supports child-to-parent relationship fields (dot notation) but neither
TYPEOF nor ORDER BY nor LIMIT, so the job selects the Task's own mapped fields, WhoId / AccountId, and the
mapped Account fields as `Account.<field>` columns (CSV header `Account.Industry`; empty when the Task has
no Account). The job is polled with the client's injected sleep (0.5 s doubling to 10 s).

Read plan, per results page (`maxRecords` = `BULK_PAGE_ROWS`, next page by `Sforce-Locator`; memory
holds one page of CSV rows, never the whole job):
1. the page's CSV text is parsed into rows;
2. the Who (Lead / Contact) fields of the page's distinct WhoIds are read by REST SOQL
   `WHERE Id IN (...)` queries (≤ `LOOKUP_CHUNK` ids each, values quoted by `format_soql`), batched
   5 to a REST Composite request (`_composite`: one API call per request; Salesforce allows at most 5
   query subrequests in one);
3. the rows are turned into SourceRecords `batch_size` at a time: values typed by the describe of Task
   (and Account, for the `Account.` columns: boolean, int, double / currency / percent; "" is null;
   datetimes in the REST form `...+0000`), `Account.<field>` columns nested into an `Account` dict
   (None without AccountId) and the Who record grafted as `Who`, which is the shape the REST query
   returns, so `_records.to_source` builds the same SourceRecords the REST path builds.

API calls of a backfill of N calls: the Task (and Account) describe, 1 job, its status polls,
ceil(N / BULK_PAGE_ROWS) results pages, and per page ceil(q / 5) composite requests where
q = ceil(distinct Lead ids / 200) + ceil(distinct Contact ids / 200).

Cursor: bulk results are unordered, so no page but the last can name a safe resume point. Every page
but the last carries the cursor the sync started from (`{}` for none: a run stopped mid-backfill starts
the backfill again; writes are idempotent); the last page carries {"modstamp", "id"} of the greatest
(SystemModstamp, Id) of the whole job. Every call with a stamp ≤ upper existed in the job's snapshot, so
the next (REST, incremental) sync that resumes after that pair skips nothing and repeats nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from simple_salesforce.api import Salesforce
from simple_salesforce.bulk2 import Operation, _Bulk2Client

BULK_PAGE_ROWS = 10_000
"""maxRecords of one results request: the CSV rows held in memory at a time (and the span over which
Who ids are deduplicated before their lookups)."""
LOOKUP_CHUNK = 200
"""Ids in one `WHERE Id IN (...)` lookup (keeps the query URL far below its length limit)."""
POLL_FIRST_S = 0.5
POLL_MAX_S = 10.0
POLL_GIVE_UP_S = 3600.0

_NUMBER = frozenset({"double", "currency", "percent"})


def bulk_client(sf: Salesforce) -> _Bulk2Client:
    """simple-salesforce's Bulk 2.0 client on the session (and token) of `sf` (no waiting of its own:
    `wait_for_job` sleeps with time.sleep, so the adapter polls `get_job` itself)."""
    headers = {
        "Content-Type": "application/json",
        "Authorization": "Bearer " + sf.session_id,
        "X-PrettyPrint": "1",
    }
    return _Bulk2Client("Task", sf.bulk2_url, headers, sf.session)


def create_query_all(sf: Salesforce, soql: str) -> dict[str, Any]:
    """Create a queryAll job; its job info (id, state)."""
    return dict(bulk_client(sf).create_job(Operation.query_all, query=soql))


def job_info(sf: Salesforce, job_id: str) -> dict[str, Any]:
    """The job info of a query job (state: UploadComplete, InProgress, JobComplete, Failed, Aborted)."""
    return dict(bulk_client(sf).get_job(job_id, True))


def results_page(sf: Salesforce, job_id: str, locator: str, max_records: int) -> tuple[str, str]:
    """One page of a job's CSV results and the locator of the next ("" after the last)."""
    result = bulk_client(sf).get_query_results(job_id, locator, max_records)
    return str(result.get("records") or ""), str(result.get("locator") or "")


def parse_csv(text: str) -> list[dict[str, str]]:
    """The rows of one CSV results page (header line first)."""
    return list(csv.DictReader(io.StringIO(text)))


def typed(row: Mapping[str, str], types: Mapping[str, str]) -> dict[str, Any]:
    """A CSV row with values in the REST JSON form of their describe type."""
    return {name: _value(text, types.get(name, "string")) for name, text in row.items()}


def _value(text: str, kind: str) -> Any:
    if text == "":
        return None
    if kind == "boolean":
        return text.lower() == "true"
    if kind == "int":
        return int(text)
    if kind in _NUMBER:
        return float(text)
    if kind == "datetime" and text.endswith("Z"):
        return text[:-1] + "+0000"
    return text


def nest(row: dict[str, Any], relation: str, id_field: str) -> None:
    """Move the `<relation>.<field>` columns of a typed row into `row[relation]`, as the REST query
    nests a child-to-parent relationship: {"attributes": {"type": relation}, field: value...}, or None
    when the row's `id_field` is null (Bulk CSV leaves every column of a missing parent empty).
    Nothing changes when the row has no such column."""
    prefix = relation + "."
    names = [name for name in row if name.startswith(prefix)]
    if not names:
        return
    values = {name[len(prefix) :]: row.pop(name) for name in names}
    row[relation] = {"attributes": {"type": relation}, **values} if row.get(id_field) else None
