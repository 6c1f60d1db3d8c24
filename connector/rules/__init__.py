"""Qualification rules: rule packs in TOML, FR/EN signal lexicons and the pure qualification engine.

    from connector.rules import load_ruleset, qualify
    rules = load_ruleset("bant")            # or "champ", or a path to a TOML file
    result = qualify(call, rules, now)       # connector.model.Result

The rule language is documented in docs/rules.md.
"""

from connector.rules.engine import qualify
from connector.rules.ruleset import Ruleset, load_ruleset

__all__ = ["Ruleset", "load_ruleset", "qualify"]
