"""How the programs app's audit events read (see `openprm.audit.describe`)."""

import re

from openprm.audit.describe import sentences
from openprm.lib.money import plain_decimal

_RATE = re.compile(r"^1 (?P<currency>[A-Z]{3}) = (?P<rate>[\d.]+) on (?P<day>.+)$")


def _fx_rate(facts) -> str:
    """A rate as a rate, trailing zeros gone: "set the FX rate of TRY to 0.03 from 2 Dec 2024"."""
    match = _RATE.match(facts.object)
    if not match:
        return f"set the FX rate {facts.object}"
    return f"set the FX rate of {match['currency']} to {plain_decimal(match['rate'])} from {match['day']}"


sentences({
    "tier.updated": "updated the tier {object}",
    "tier_review.created": "ran a {thing}",
    "tier_review.applied": "applied the {thing}",
    "program.updated": "updated the program settings",
    "fx_rate.set": _fx_rate,
})
