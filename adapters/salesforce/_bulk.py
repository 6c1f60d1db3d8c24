"""Bulk API 2.0 backfill of call Tasks (a first sync whose window holds more than `bulk_threshold` calls).

When it runs: `SalesforceAdapter.iter_pages` starts without a cursor and the first page of the regular
REST changes query reports `totalSize` above `connection.bulk_threshold`. The size comes from that first
page (not from a separate `SELECT COUNT()`), so a small first sync costs no extra request; the REST
query locator is then abandoned (it expires on its own) and this module reads the same window.

How: one Bulk API 2.0 query job (operation `queryAll`, so deleted calls come back with IsDeleted = true)
on `SELECT <Task fields> FROM Task WHERE <call filter> AND SystemModstamp <= <upper> [AND <key> = null]`;
Bulk 2.0 supports neither TYPEOF nor ORDER BY nor LIMIT, so the job selects the Task's own mapped
fields plus WhoId / AccountId. The job is polled with the client's injected sleep (0.5 s doubling to
10 s). Results are read one page at a time (`maxRecords`, `Sforce-Locator`); each page is CSV text, parsed
and split into chunks of `batch_size` rows, so memory holds one result page, never the whole job. For
each chunk the Lead / Contact (the Who) and Account fields are read by regular SOQL
`WHERE Id IN (...)` (≤ 200 ids a query, values quoted by `format_soql`) and grafted onto the rows in the
shape the REST query returns (`Who` with its type, `Account`), so `_records.to_source` builds the same
SourceRecords the REST path builds. CSV values are strings: they are typed by the Task describe
(boolean, int, double / currency / percent; "" is null; datetimes in the REST form `...+0000`).

Cursor: bulk results are unordered, so no page but the last can name a safe resume point. Every page
but the last carries the cursor the sync started from (`{}` for none: a run stopped mid-backfill starts
the backfill again; writes are idempotent); the last page carries {"modstamp", "id"} of the greatest
(SystemModstamp, Id) of the whole job. Every call with a stamp ≤ upper existed in the job's snapshot, so
the next (REST, incremental) sync that resumes after that pair skips nothing and repeats nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from typing import Any

from simple_salesforce.api import Salesforce
from simple_salesforce.bulk2 import Operation, _Bulk2Client

BULK_PAGE_ROWS = 2_000
"""maxRecords of one results request: the rows held in memory at a time."""
LOOKUP_CHUNK = 200
"""Ids in one `WHERE Id IN (...)` lookup (keeps the GET URL far below its length limit)."""
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


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    """Consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
