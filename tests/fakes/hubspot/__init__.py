"""Wire-level fake of HubSpot for tests and the bench (see server.py)."""

from tests.fakes.hubspot.server import TOKEN, FakeHubSpot, VirtualClock, iso, to_ms

__all__ = ["TOKEN", "FakeHubSpot", "VirtualClock", "iso", "to_ms"]
