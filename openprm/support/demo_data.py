"""Demo support tickets, created through the services (`openprm demo` calls `seed_tickets` after agreements).

About 120 tickets over the last 90 days across levels, priorities and tiers: most start at the partner's L1
and are escalated, some open directly at L2, several go on to L3 with a defect reference, some wait on the
partner (clock paused) and some answer late (breached). Each step runs at its own moment (`clock.pinned`),
so the clocks, the audit trail and the notifications read as they would have happened.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from openprm.accounts import services as accounts
from openprm.accounts.models import Role, User
from openprm.lib import clock
from openprm.partners.models import Partner, Stage

from . import services
from .models import Level, Priority, Ticket

ENGINEER = ("Eva Novak", "engineering@openprm.demo")
PRODUCTS = ["Analytics Cloud", "Edge Gateway", "Data Connectors", "Mobile SDK"]
ISSUES = [
    ("Dashboard does not load after upgrade", "Since the 4.2 upgrade the main dashboard stays blank for all users."),
    ("Nightly sync stops with error 42", "The scheduled sync aborts at 02:00 with 'error 42: token expired'."),
    ("SSO login loops back to the sign-in page", "Users authenticate with the IdP and land on the sign-in page."),
    ("Export to CSV cuts off at 10,000 rows", "Large exports end at exactly 10,000 rows without a warning."),
    ("Gateway drops connections under load", "Above ~500 concurrent devices the gateway resets connections."),
    ("Wrong currency on invoices", "Invoices for the customer's Swiss entity show EUR instead of CHF."),
    ("API returns 500 on bulk update", "PATCH with more than 200 items fails with an internal error."),
    ("Mobile app crashes on Android 14", "The SDK sample app crashes on start on Pixel devices."),
    ("Report totals differ from the UI", "The monthly revenue report shows a different total than the dashboard."),
    ("Connector cannot reach on-prem database", "The data connector times out connecting to the customer's DB."),
]
CUSTOMERS = [("Ana Ruiz", "Northwind Traders"), ("Tom Becker", "Contoso Retail"), ("Mia Chen", "Fabrikam Labs"),
             ("Ravi Patel", "Tailspin Toys"), ("Lea Martin", "Wide World Importers"), ("Sam Okoro", "Litware Inc"),
             ("Jonas Berg", "Adventure Works"), ("Nora Haddad", "Proseware")]


def _engineer(admin) -> User:
    name, email = ENGINEER
    return (User.objects.filter(email=email).first()
            or accounts.create_user(actor=None, email=email, role=Role.ENGINEERING, full_name=name,
                                    password=_password(), time_zone="Europe/Prague"))


def _password():
    from openprm.partners.demo_data import DEMO_PASSWORD

    return DEMO_PASSWORD


def seed_tickets(*, rng: random.Random, admin, now: datetime | None = None, count: int = 120) -> dict[str, int]:
    """Create `count` tickets for active partners with L1 people; returns counts by what happened."""
    now = now or clock.moment()
    engineer = _engineer(admin)
    support = list(User.objects.filter(role=Role.SUPPORT, is_active=True)) or [admin]
    partners = list(Partner.objects.filter(stage=Stage.ACTIVE).order_by("pk"))
    workers = {p.pk: list(User.objects.filter(partner=p, role__in=services.PARTNER_WORKERS, is_active=True))
               for p in partners}
    partners = [p for p in partners if workers[p.pk]]
    counts = {"tickets": 0, "escalated_l2": 0, "escalated_l3": 0, "waiting": 0, "resolved": 0}
    if not partners:
        return counts
    for _ in range(count):
        partner = rng.choice(partners)
        l1 = rng.choice(workers[partner.pk])
        at = now - timedelta(days=rng.uniform(0.2, 90))
        subject, description = rng.choice(ISSUES)
        name, company = rng.choice(CUSTOMERS)
        priority = rng.choices(Priority.values, weights=[1, 3, 5, 3])[0]
        direct_l2 = rng.random() < 0.25
        data = {"subject": subject, "description": description, "priority": priority, "product": rng.choice(PRODUCTS),
                "customer_name": name, "customer_company": company,
                "customer_email": f"{name.split()[0].lower()}@{company.split()[0].lower()}.example",
                "level": Level.L2 if direct_l2 else Level.L1,
                "notes": "Reproduced on the customer's system; restart and cache reset did not help." if direct_l2
                else ""}
        with clock.pinned(at):
            ticket = services.open_ticket(actor=l1, partner=partner, data=data)
        counts["tickets"] += 1
        _play(ticket, rng=rng, at=at, now=now, l1=l1, support=rng.choice(support), engineer=engineer,
              counts=counts)
    flagged = services.flag_breaches(now=now)
    counts["breaches"] = flagged["first_response"] + flagged["resolution"]
    return counts


def _play(ticket: Ticket, *, rng, at, now, l1, support, engineer, counts) -> None:
    """Walk one ticket through a plausible life, stopping at the first step that would lie in the future."""
    def step(hours_low, hours_high):
        nonlocal at
        at = at + timedelta(hours=rng.uniform(hours_low, hours_high))
        return at <= now

    if ticket.level == Level.L1:
        if rng.random() < 0.2:  # the partner solves it at L1
            if step(1, 30):
                with clock.pinned(at):
                    services.add_comment(actor=l1, ticket=ticket, body="Fixed by re-issuing the customer's token.")
                    services.set_status(actor=l1, ticket=ticket, status="resolved")
                counts["resolved"] += 1
            return
        if not step(0.5, 8):
            return
        with clock.pinned(at):
            services.escalate(actor=l1, ticket=ticket, to="L2",
                              notes="Checked logs and configuration with the customer; the error persists.")
        counts["escalated_l2"] += 1
    with clock.pinned(at):
        ticket = services.assign(actor=support, ticket=ticket, assignee=support)
    # First response: usually in time, sometimes late (a breach).
    late = rng.random() < 0.15
    target_h = ticket.first_response_target_seconds / 3600
    if not step(target_h * (1.2 if late else 0.1), target_h * (2 if late else 0.9)):
        return
    with clock.pinned(at):
        services.add_comment(actor=support, ticket=ticket, body="Thanks — we are looking into it. Could you send "
                                                                 "the agent log from the affected machine?")
        services.add_comment(actor=support, ticket=ticket, body="Checked build history; likely the 4.2 change.",
                             internal=True)
    if rng.random() < 0.45:
        with clock.pinned(at):
            services.set_status(actor=support, ticket=ticket, status="waiting_on_partner", note="Waiting for logs")
        if not step(1, 20):
            counts["waiting"] += 1
            return
        with clock.pinned(at):
            services.add_comment(actor=l1, ticket=ticket, body="Log attached as requested.")
    if rng.random() < 0.2:
        if not step(1, 12):
            return
        with clock.pinned(at):
            services.escalate(actor=support, ticket=ticket, to="L3", defect_reference=f"ENG-{rng.randint(1000, 9999)}")
        counts["escalated_l3"] += 1
        with clock.pinned(at):
            services.assign(actor=engineer, ticket=ticket, assignee=engineer)
        if not step(4, 60):
            return
        with clock.pinned(at):
            services.add_comment(actor=engineer, ticket=ticket, body="Fixed in 4.2.3; the patch is available now.")
            services.set_status(actor=engineer, ticket=ticket, status="resolved")
        counts["resolved"] += 1
        return
    resolution_h = ticket.resolution_target_seconds / 3600
    if not step(resolution_h * 0.2, resolution_h * 1.3):
        return
    with clock.pinned(at):
        services.add_comment(actor=support, ticket=ticket, body="A configuration change solves it; details above.")
        services.set_status(actor=support, ticket=ticket, status="resolved")
    counts["resolved"] += 1
    if step(24, 96):
        with clock.pinned(at):
            services.set_status(actor=support, ticket=ticket, status="closed")
