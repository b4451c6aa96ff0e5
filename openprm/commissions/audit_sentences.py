"""How the commissions app's audit events read (see `openprm.audit.describe`)."""

import re

from openprm.audit.describe import sentences

_PAYOUT = re.compile(r"^Payout #(?P<number>\d+) (?P<money>.+)$")


def _payout(words: str):
    """ "approved payout #1 of 318,083.00 USD": the batch's number and total read from the recorded object."""
    def sentence(facts) -> str:
        match = _PAYOUT.match(facts.object)
        subject = f"payout #{match['number']} of {match['money']}" if match else f"the payout {facts.object}"
        return words.format(payout=subject)
    return sentence


def _line(words: str):
    """A ledger line reads as its kind and amount: "approved the commission of 2,500.00 USD (Majorelle)"."""
    def sentence(facts) -> str:
        return words.format(line=facts.thing)
    return sentence


sentences({
    "payout.created": _payout("built {payout}"),
    "payout.approved": _payout("approved {payout}"),
    "payout.exported": _payout("exported {payout}"),
    "payout.paid": _payout("marked {payout} paid"),
    "ledger_line.created": _line("booked {line}"),
    "ledger_line.bonus": _line("booked the target bonus {line}"),
    "ledger_line.reward": _line("booked the reward {line}"),
    "ledger_line.clawback": _line("booked the clawback {line}"),
    "ledger_line.bulk_created": "booked {new[lines]} commission lines for the plan {object}",
    "ledger_line.pending": _line("put {line} back into its holding period"),
    "ledger_line.approved": _line("approved {line}"),
    "ledger_line.on_hold": _line("put {line} on hold"),
    "ledger_line.paid": _line("marked {line} paid"),
    "ledger_line.canceled": _line("canceled {line}"),
    "commission_plan.created": "created the commission plan {object}",
    "commission_plan.updated": "updated the commission plan {object}",
    "commission_plan.assigned": "put {object}",
    "commission_settings.updated": "updated the commission settings",
    "spiff.created": "started the SPIFF {object}",
    "spiff.ended": "ended the SPIFF {object}",
    "quarterly_target.created": "set the quarterly target {object}",
    "quarterly_target.changed": "changed the quarterly target {object}",
})
