"""A/B statistics on proportions, with the standard library only (no scipy).

- `z_test`: two-sided two-proportion z-test with the pooled proportion.
- `fisher_exact`: two-sided Fisher exact test (sum of the hypergeometric probabilities of every table
  with the same margins that is at most as likely as the observed one), exact integer binomials.
- `newcombe_interval`: 95 % confidence interval of the difference of two proportions (Newcombe's hybrid
  score method built on Wilson intervals; well behaved for small samples and rates near 0 or 1).
- `compare`: everything the report says about one KPI between two arms, including a plain verdict.
"""

from __future__ import annotations

import math
from typing import Any

Z95 = 1.959963984540054
ALPHA = 0.05


def normal_cdf(z: float) -> float:
    """Standard normal cumulative distribution function."""
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def z_test(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """(z, two-sided p) of H0: p1 == p2. z is positive when arm 2 is higher. Needs n1, n2 > 0."""
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 0.0, 1.0
    z = (x2 / n2 - x1 / n1) / se
    return z, min(1.0, 2.0 * (1.0 - normal_cdf(abs(z))))


def fisher_exact(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided p of Fisher's exact test on the 2×2 table [[x1, n1-x1], [x2, n2-x2]]."""
    successes = x1 + x2
    total = n1 + n2
    denominator = math.comb(total, n1)

    def prob(k: int) -> float:
        return math.comb(successes, k) * math.comb(total - successes, n1 - k) / denominator

    observed = prob(x1)
    low, high = max(0, n1 - (total - successes)), min(n1, successes)
    p = sum(q for q in (prob(k) for k in range(low, high + 1)) if q <= observed * (1 + 1e-9))
    return min(1.0, p)


def wilson_interval(x: int, n: int) -> tuple[float, float]:
    """95 % Wilson score interval of the proportion x/n (n > 0)."""
    p = x / n
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe_interval(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """95 % interval of p2 - p1 (Newcombe 1998, method 10). Needs n1, n2 > 0."""
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_interval(x1, n1)
    l2, u2 = wilson_interval(x2, n2)
    d = p2 - p1
    return d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2), d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)


def _pct(value: float) -> str:
    return f"{value * 100:.1f} %"


def compare(x1: int, n1: int, x2: int, n2: int, *, min_sample: int, names: tuple[str, str]) -> dict[str, Any]:
    """Compare proportion x2/n2 (arm 2, the variant) with x1/n1 (arm 1, the control).

    Uses Fisher's exact test when an expected cell count is below 5, otherwise the z-test. `verdict`
    says plainly when there is no data or when either arm has fewer than `min_sample` units; then
    `significant` is False whatever the p-value.
    """
    out: dict[str, Any] = {
        "control": {"name": names[0], "n": n1, "x": x1, "rate": x1 / n1 if n1 else None},
        "variant": {"name": names[1], "n": n2, "x": x2, "rate": x2 / n2 if n2 else None},
        "difference": None,
        "ci95": None,
        "test": None,
        "p_value": None,
        "significant": False,
        "sample_too_small": True,
    }
    if n1 == 0 or n2 == 0:
        empty = names[0] if n1 == 0 else names[1]
        out["verdict"] = f"no data for {empty} yet: no comparison possible"
        return out
    successes, failures, total = x1 + x2, (n1 - x1) + (n2 - x2), n1 + n2
    expected_min = min(successes, failures) * min(n1, n2) / total
    if expected_min < 5:
        out["test"], out["p_value"] = "fisher_exact", fisher_exact(x1, n1, x2, n2)
    else:
        out["test"], out["p_value"] = "z_test", z_test(x1, n1, x2, n2)[1]
    out["difference"] = x2 / n2 - x1 / n1
    out["ci95"] = list(newcombe_interval(x1, n1, x2, n2))
    p = float(out["p_value"])
    if min(n1, n2) < min_sample:
        out["verdict"] = (
            f"sample too small ({n1} and {n2}; at least {min_sample} per variant needed): no conclusion yet"
        )
        return out
    out["sample_too_small"] = False
    out["significant"] = p < ALPHA
    if out["significant"]:
        direction = "higher" if out["difference"] > 0 else "lower"
        out["verdict"] = (
            f"{names[1]} is {direction} than {names[0]} by {_pct(abs(out['difference']))} "
            f"(p = {p:.3g}, significant at 5 %)"
        )
    else:
        out["verdict"] = f"no significant difference (p = {p:.3g})"
    return out
