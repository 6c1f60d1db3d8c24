"""Client-side rate limiting: stay under HubSpot's limits before HubSpot says no.

`Limiter.acquire(search=...)` blocks (through the injected `sleep`) until one more request fits in:
- the burst window: at most `burst` requests in any `window` seconds (sliding log of send times);
- the search window: at most `search_per_s` search requests in any second;
and raises `BudgetExhaustedError` when Qualicall's share of the daily allowance is used:
- its own count of requests this UTC day reached `daily_limit * daily_share`, or
- the portal's remaining allowance (header X-HubSpot-RateLimit-Daily-Remaining) fell to the part
  reserved for the portal's other integrations, `daily_limit * (1 - daily_share)`.

`observe(headers)` reads HubSpot's X-HubSpot-RateLimit-* headers after each response. `penalise(s)`
pushes every next request at least `s` seconds away (after a 429 with Retry-After). Time comes from the
injected `now()` (seconds, float); the limiter never reads the wall clock.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping

from connector.errors import BudgetExhaustedError

DAY = 86_400.0


class Limiter:
    """Burst, search and daily-budget limiter with an injected clock and sleep (not thread-safe)."""

    def __init__(
        self,
        *,
        burst: int,
        search_per_s: int,
        daily_limit: int,
        daily_share: float,
        now: Callable[[], float],
        sleep: Callable[[float], None],
        window: float = 10.0,
        margin: float = 0.001,
    ) -> None:
        self.burst = burst
        self.window = window
        self.margin = margin
        self.search_per_s = search_per_s
        self.daily_limit = daily_limit
        self.daily_share = daily_share
        self._now = now
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._searches: deque[float] = deque()
        self._day = -1
        self.used_today = 0
        self.portal_remaining: int | None = None
        self._not_before = 0.0
        self.waited = 0.0

    @property
    def budget(self) -> int:
        """Requests Qualicall may send per day."""
        return int(self.daily_limit * self.daily_share)

    def check_budget(self) -> None:
        """Raise BudgetExhaustedError when the daily share is used (call between pages / batches)."""
        self._roll_day(self._now())
        if self.used_today >= self.budget:
            raise BudgetExhaustedError(
                f"used {self.used_today} of the {self.budget} requests allowed today "
                f"({self.daily_share:.0%} of {self.daily_limit})"
            )
        reserve = self.daily_limit * (1 - self.daily_share)
        if self.portal_remaining is not None and self.portal_remaining <= reserve:
            raise BudgetExhaustedError(
                f"the portal has {self.portal_remaining} requests left today; {int(reserve)} are reserved "
                "for its other integrations"
            )

    def acquire(self, *, search: bool = False) -> None:
        """Wait until one more request (a search request when `search`) fits, then count it."""
        self.check_budget()
        while True:
            now = self._now()
            wait = self._not_before - now
            # windows are stretched by `margin` so that clock granularity or latency never makes a
            # request arrive a hair early, whoever decided the wait (this limiter or a Retry-After)
            wait = max(wait, self._free_at(self._sent, self.burst, self.window + self.margin, now) - now)
            if search:
                wait = max(
                    wait, self._free_at(self._searches, self.search_per_s, 1.0 + self.margin, now) - now
                )
            if wait <= 0:
                break
            self.waited += wait
            self._sleep(wait)
        self._sent.append(now)
        if search:
            self._searches.append(now)
        self.used_today += 1

    def penalise(self, seconds: float) -> None:
        """Send nothing for `seconds` from now (HubSpot said 429 with Retry-After)."""
        self._not_before = max(self._not_before, self._now() + seconds)

    def observe(self, headers: Mapping[str, str] | None) -> None:
        """Learn the portal's remaining daily allowance from a response's rate-limit headers."""
        if not headers:
            return
        lowered = {k.lower(): v for k, v in headers.items()}
        remaining = lowered.get("x-hubspot-ratelimit-daily-remaining")
        if remaining is not None and remaining.strip().isdigit():
            self.portal_remaining = int(remaining)
        daily = lowered.get("x-hubspot-ratelimit-daily")
        if daily is not None and daily.strip().isdigit() and int(daily) > 0:
            self.daily_limit = int(daily)

    @staticmethod
    def _free_at(log: deque[float], limit: int, window: float, now: float) -> float:
        while log and log[0] <= now - window:
            log.popleft()
        if len(log) < limit:
            return now
        return log[len(log) - limit] + window

    def _roll_day(self, now: float) -> None:
        day = int(now // DAY)
        if day != self._day:
            self._day = day
            self.used_today = 0
