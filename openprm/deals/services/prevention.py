"""Prevention rules: territory and named-account flags that send a registration to the manager's eye."""

from datetime import date

from openprm.agreements.services import active_territories
from openprm.lib import clock
from openprm.partners.models import Partner

from ..models import Customer, NamedAccount


def territory_flags(*, partner: Partner, country: str, customer: Customer | None = None, on: date | None = None
                    ) -> list[str]:
    """Why a registration of `partner` for a customer in `country` needs the channel manager's eye; [] when
    nothing is wrong. The prevention rules of 2.4:

    - territory: the partner's agreements in force on `on` name territories and `country` is not among them
      (regions expand to their countries; no agreement, or one without territories, limits nothing);
    - named account: the customer is assigned to another partner.

    The reasons never name the other partner: the registering partner reads them in its history too.
    """
    flags = []
    territories = active_territories(partner, on or clock.today())
    if territories and country not in territories:
        flags.append(f"The customer's country ({country}) is outside the partner's agreement territories.")
    if customer is not None and customer.pk:
        if NamedAccount.objects.filter(customer=customer).exclude(partner=partner).exists():
            flags.append("The customer is a named account of another partner.")
    return flags
