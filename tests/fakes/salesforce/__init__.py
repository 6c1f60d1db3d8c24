"""A wire-level fake Salesforce for tests and benchmarks: `running()` starts an HTTPS server on
127.0.0.1 backed by an `Org` (state, schema, faults); `seed` helpers build calls in it."""

from tests.fakes.salesforce.org import Faults, Org, RecordFailure
from tests.fakes.salesforce.server import FakeSalesforce, running

__all__ = ["FakeSalesforce", "Faults", "Org", "RecordFailure", "running"]
