"""Customer matching: which active registrations hold the same customer, and the partner pre-check."""

from openprm.lib import clock
from openprm.lib.matching import name_similarity, normalize_company_name
from openprm.lib.text import InvalidDomain, normalize_domain, parse_domain

from ..exceptions import ValidationFailed
from ..models import Customer, DealProgram, Registration


def _products_overlap(a: list[str], b: list[str]) -> bool:
    """Same product line: no products named on either side means the whole customer."""
    if not a or not b:
        return True
    return bool({p.casefold() for p in a} & {p.casefold() for p in b})


def matching_registrations(*, name: str, domain: str, country: str, products=None, today=None,
                           program: DealProgram | None = None, exclude_pk=None) -> list[Registration]:
    """Active registrations whose customer is the same as this one under the program's matching rules."""
    program = program or DealProgram.current()
    today = today or clock.today()
    normalized = normalize_company_name(name)
    domain = normalize_domain(domain)
    candidates = Registration.objects.active_on(today).select_related("customer", "partner")
    if exclude_pk:
        candidates = candidates.exclude(pk=exclude_pk)
    found = {}
    if program.match_domains and domain:
        for reg in candidates.filter(customer__domain=domain):
            found[reg.pk] = reg
    if program.match_names and normalized:
        for reg in candidates.filter(customer__country=country):
            if name_similarity(normalized, reg.customer.normalized_name) >= program.name_threshold:
                found[reg.pk] = reg
    return [reg for reg in sorted(found.values(), key=lambda r: (r.submitted_at, r.pk))
            if _products_overlap(products or [], reg.products)]


def is_customer_protected(*, name: str, domain: str, country: str, products=None) -> bool:
    """The partner pre-check: whether someone already holds this customer — never who.

    An unparsable domain is a ValidationFailed on `customer_domain` (the pre-check's parameter name).
    """
    try:
        domain = parse_domain(domain or "")
    except InvalidDomain as exc:
        raise ValidationFailed("Invalid domain.", errors={"customer_domain": ["Enter a domain such as customer.com."]}
                               ) from exc
    return bool(matching_registrations(name=name, domain=domain, country=country, products=products))


def _find_or_create_customer(clean: dict, matches: list[Registration], program: DealProgram) -> Customer:
    """The customer a registration is for: the matched one, else one with the same domain or a
    similar name in the country, else a new one."""
    if matches:
        return matches[0].customer
    customers = Customer.objects.all()
    if clean["customer_domain"]:
        existing = customers.filter(domain=clean["customer_domain"]).first()
        if existing:
            return existing
    normalized = normalize_company_name(clean["customer_name"])
    for customer in customers.filter(country=clean["customer_country"], normalized_name__startswith=normalized[:1]):
        if name_similarity(normalized, customer.normalized_name) >= program.name_threshold:
            return customer
    return Customer.objects.create(name=clean["customer_name"], normalized_name=normalized,
                                   domain=clean["customer_domain"], country=clean["customer_country"])
