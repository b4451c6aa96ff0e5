"""A partner's payout details: where its commissions are paid. Validated (IBAN mod-97, SWIFT/BIC format, ISO
country, exactly one of IBAN and account + routing number), the sensitive fields encrypted at rest, and
audited without their clear values."""

import re

from django.db import transaction

from openprm.accounts.models import Role
from openprm.audit import services as audit
from openprm.audit.models import Action
from openprm.lib import clock
from openprm.lib.crypto import encrypt
from openprm.lib.regions import COUNTRIES

from ..exceptions import NotAllowed, ValidationFailed
from ..models import PayoutDetails

FIELDS = ("account_holder", "iban", "account_number", "routing_number", "swift", "tax_id", "country")
# Vendor roles that keep partners' payout details (the partner's own admin keeps its own).
VENDOR_EDITORS = (Role.ADMIN, Role.FINANCE)
HIDDEN = "(hidden)"

_SWIFT = re.compile(r"^[A-Z]{4}([A-Z]{2})[A-Z0-9]{2}([A-Z0-9]{3})?$")
_IBAN = re.compile(r"^([A-Z]{2})[0-9]{2}[A-Z0-9]{11,30}$")
_TAX_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./-]{1,38}[A-Za-z0-9]$")


def can_edit_payout_details(user, partner) -> bool:
    """Finance and program admins for any partner; a partner admin for its own partner only."""
    if user is None or not user.is_authenticated:
        return False
    if user.role in VENDOR_EDITORS:
        return True
    return user.role == Role.PARTNER_ADMIN and user.partner_id == partner.pk


def iban_is_valid(iban: str) -> bool:
    """The ISO 13616 check: country letters, two check digits, and the mod-97 of the rearranged number is 1."""
    match = _IBAN.match(iban)
    if not match or match.group(1) not in COUNTRIES:
        return False
    rearranged = iban[4:] + iban[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1


def _compact(value) -> str:
    """Bank numbers are often written in groups ("DE89 3704 …" or "021-000-021"): compare without them."""
    return re.sub(r"[\s-]", "", str(value or "")).upper()


def clean_payout_details(data: dict) -> dict:
    """The payout details in `data`, normalized, or ValidationFailed naming every field that is wrong."""
    unknown = set(data) - set(FIELDS)
    errors: dict[str, list[str]] = {name: ["Unknown field."] for name in sorted(unknown)}
    holder = str(data.get("account_holder") or "").strip()
    if not holder:
        errors["account_holder"] = ["Enter the name on the bank account."]
    elif len(holder) > 140:
        errors["account_holder"] = ["At most 140 characters."]
    iban = _compact(data.get("iban"))
    account = _compact(data.get("account_number"))
    routing = _compact(data.get("routing_number"))
    if iban and (account or routing):
        message = "Give either an IBAN or an account number with a routing number, not both."
        errors["iban"] = [message]
        errors["account_number"] = [message]
    elif iban:
        if not iban_is_valid(iban):
            errors["iban"] = ["This is not a valid IBAN (check the digits and the country code)."]
    elif account or routing:
        if not re.fullmatch(r"[0-9]{4,20}", account):
            errors["account_number"] = ["Enter the account number: 4 to 20 digits."]
        if not re.fullmatch(r"[0-9]{6,11}", routing):
            errors["routing_number"] = ["Enter the routing number (ABA, sort code or transit number): 6 to 11 "
                                        "digits."]
    else:
        message = "Give an IBAN, or an account number with a routing number."
        errors["iban"] = [message]
        errors["account_number"] = [message]
    swift = _compact(data.get("swift"))
    if swift:
        match = _SWIFT.match(swift)
        if not match or match.group(1) not in COUNTRIES:
            errors["swift"] = ["Enter a SWIFT/BIC of 8 or 11 characters, such as DEUTDEFF or DEUTDEFF500."]
    tax_id = str(data.get("tax_id") or "").strip()
    if tax_id and not _TAX_ID.match(tax_id):
        errors["tax_id"] = ["Enter the tax id: 3 to 40 letters, digits, spaces, dots, slashes or hyphens."]
    country = str(data.get("country") or "").strip().upper()
    if country not in COUNTRIES:
        errors["country"] = ["Choose the bank's country (ISO code such as US or DE)."]
    if errors:
        raise ValidationFailed("Please correct the payout details.", errors=errors)
    return {"account_holder": holder, "iban": iban, "account_number": account, "routing_number": routing,
            "swift": swift, "tax_id": tax_id, "country": country}


@transaction.atomic
def set_payout_details(*, actor, partner, data: dict) -> PayoutDetails:
    """Create or replace the partner's payout details (a partner admin for its own partner, finance or a
    program admin for any). The sensitive fields are stored encrypted; the audit event names the fields that
    changed and shows the others' values, never a bank or tax number."""
    if not can_edit_payout_details(actor, partner):
        raise NotAllowed("Only the partner's admins and finance keep its payout details.")
    clean = clean_payout_details(data)
    details = PayoutDetails.objects.select_for_update().filter(partner=partner).first()
    creating = details is None
    if creating:
        details = PayoutDetails(partner=partner)
    changes = {}
    for name, value in clean.items():
        if name in PayoutDetails.SENSITIVE:
            try:
                before = "" if creating else details.clear(name)
            except ValueError:  # stored under another key: unreadable, so replaced
                before = HIDDEN
            if before != value:
                changes[name] = [HIDDEN if before else None, HIDDEN if value else None]
                setattr(details, name, encrypt(value))
        else:
            before = "" if creating else getattr(details, name)
            if before != value:
                changes[name] = [before or None, value or None]
                setattr(details, name, value)
    if not creating and not changes:
        return details
    details.updated_at, details.updated_by = clock.moment(), actor
    details.save()
    audit.record(actor=actor, action=Action.CREATE if creating else Action.UPDATE, verb="payout_details.updated",
                 obj=details, partner=partner, changes=changes)
    return details
