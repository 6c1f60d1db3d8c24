"""A/B tests of rules: the `[pipelines.<name>.ab]` settings and the deterministic variant assignment.

```toml
[pipelines.main.ab]
mode = "split"              # "split": the assigned variant decides and is written; "shadow": all score,
                            # only the control is written (the others go to shadow_results)
unit = "prospect"           # randomise per "call" (default) or per "prospect" (all calls of a lead alike)
control = "A"               # default: the first variant declared
experiment = "script-2026"  # salt of the hash: change it to draw a new, independent assignment
split = { A = 50, B = 50 }  # relative weights (default: equal)
[pipelines.main.ab.variants.A]          # no rules: the pipeline's own rules
[pipelines.main.ab.variants.B]
rules = "champ"                          # a built-in pack or a TOML file
overrides = { icp = { employees_min = 50 } }   # and/or filter settings merged over the pack
```

`assign_variant` hashes (experiment, unit id) with SHA-256, never Python's `hash()` (salted per process),
so a call lands in the same variant on every run, every machine and every Python version.
"""

from __future__ import annotations

import hashlib
import json
import math
import tempfile
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from connector.model import Call
from connector.rules.ruleset import Ruleset, load_ruleset


class Variant(BaseModel):
    """One arm: its rules (pack name or file; None = the pipeline's rules) and/or overrides of them."""

    model_config = ConfigDict(extra="forbid")

    rules: str | None = None
    overrides: dict[str, Any] = Field(default_factory=dict)


class VariantSettings(BaseModel):
    """The A/B settings of one pipeline (see the module docstring for the TOML)."""

    model_config = ConfigDict(extra="forbid")

    variants: dict[str, Variant]
    split: dict[str, float] = Field(default_factory=dict)
    unit: Literal["call", "prospect"] = "call"
    mode: Literal["split", "shadow"] = "split"
    control: str = ""
    experiment: str = "ab"

    @model_validator(mode="after")
    def _check(self) -> VariantSettings:
        problems: list[str] = []
        if len(self.variants) < 2:
            problems.append("variants: declare at least two variants")
        for name in self.variants:
            if not name or len(name) > 100:
                problems.append(f"variants.{name}: a name of 1 to 100 characters is required")
        unknown = sorted(set(self.split) - set(self.variants))
        if unknown:
            problems.append(f"split: unknown variant(s) {', '.join(unknown)}")
        bad = sorted(k for k, w in self.split.items() if not (math.isfinite(w) and w >= 0))
        if bad:
            problems.append(f"split: weights must be finite and >= 0 ({', '.join(bad)})")
        if self.split and not any(self.split.get(v, 0.0) > 0 for v in self.variants):
            problems.append("split: at least one weight must be > 0")
        if self.control and self.control not in self.variants:
            problems.append(f"control: {self.control!r} is not a declared variant")
        if problems:
            raise ValueError("; ".join(problems))
        if not self.control:
            self.control = next(iter(self.variants))
        return self

    def weights(self) -> list[tuple[str, float]]:
        """(variant, weight) in declaration order; missing weights are 1 when no split is given, else 0."""
        default = 0.0 if self.split else 1.0
        return [(name, float(self.split.get(name, default))) for name in self.variants]

    def rulesets(self) -> dict[str, str]:
        """Variant -> rules (pack name or file) for the variants that name their rules without overrides.

        Variants with overrides need `load_rulesets` (they are not a plain pack or file)."""
        return {name: v.rules for name, v in self.variants.items() if v.rules is not None and not v.overrides}

    def load_rulesets(self, default_rules: str) -> dict[str, Ruleset]:
        """Every variant's compiled ruleset: its rules (or `default_rules`) with its overrides merged over."""
        return {
            name: ruleset_with_overrides(v.rules or default_rules, v.overrides)
            for name, v in self.variants.items()
        }


def unit_id(call: Call, unit: Literal["call", "prospect"]) -> str:
    """The id that is randomised: the call id, or the prospect id (company id, then call id, if unknown)."""
    if unit == "prospect":
        if call.prospect is not None and call.prospect.id:
            return f"prospect:{call.prospect.id}"
        if call.company is not None and call.company.id:
            return f"company:{call.company.id}"
    return f"call:{call.id}"


def bucket(key: str) -> float:
    """A uniform number in [0, 1) from the SHA-256 of `key` (first 8 bytes)."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def assign_variant(call: Call, settings: VariantSettings) -> str:
    """The variant of `call`: deterministic in (experiment, unit id), proportional to the split weights."""
    point = bucket(f"{settings.experiment}\x1f{unit_id(call, settings.unit)}")
    weights = settings.weights()
    total = sum(w for _, w in weights)
    cumulative = 0.0
    for name, weight in weights:
        cumulative += weight / total
        if weight > 0 and point < cumulative:
            return name
    return next(name for name, weight in reversed(weights) if weight > 0)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("overrides: numbers must be finite")
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise ValueError(f"overrides: unsupported value {value!r}")


def ruleset_with_overrides(rules: str, overrides: dict[str, Any]) -> Ruleset:
    """Load `rules` (pack or file) with `overrides` merged over it, as a rule file saying `extends` would.

    Raises the rules loader's error (every problem listed) when the merged rules are invalid."""
    if not overrides:
        return load_ruleset(rules)
    target = rules if Path(rules).suffix != ".toml" else str(Path(rules).resolve())
    lines = [f"extends = {json.dumps(target)}"]
    lines += [f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in overrides.items() if k != "extends"]
    with tempfile.TemporaryDirectory(prefix="qualicall-variant-") as folder:
        path = Path(folder) / "variant.toml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return load_ruleset(str(path))
