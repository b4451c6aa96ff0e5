"""How a company and its people join: the public application, e-mail domains, join requests and
their confirmation by e-mail."""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse

from openprm.accounts import services as accounts
from openprm.accounts.models import PARTNER_ROLES, Invitation, Role, User
from openprm.accounts.services import send_email_on_commit
from openprm.audit import services as audit
from openprm.audit.models import Action
from openprm.lib import clock
from openprm.lib.text import InvalidDomain, normalize_domain, parse_domain

from ..exceptions import Conflict, JoinConfirmationInvalid, NotAllowed, ValidationFailed
from ..models import (
    Contact,
    JoinRequest,
    JoinRequestStatus,
    Partner,
    PartnerDomain,
    Stage,
)
from .common import _full_clean, _notify_partner_admins, can_edit_profile, can_manage_lifecycle
from .profile import create_partner

# ---------------------------------------------------------------- public application

@transaction.atomic
def submit_application(*, data: dict, contact: dict) -> Partner:
    """A company applies from the public form: it lands in Qualification for review, never approved."""
    partner = create_partner(actor=None, data=data, source="application")
    save_contact_public = Contact(partner=partner, is_primary=True, **contact)
    _full_clean(save_contact_public, exclude=["partner"])
    save_contact_public.save()
    audit.record(actor="public", action=Action.CREATE, verb="contact.created", obj=save_contact_public,
                 partner=partner, changes={k: [None, v] for k, v in contact.items() if v})
    # The program admins review applications: each gets a notification linking to the applicant's page.
    accounts.notify(users=User.objects.filter(role=Role.ADMIN, is_active=True),
                    subject=f"New partner application: {partner.name}",
                    summary=f"{partner.name} ({partner.country_name}) applied and waits in Qualification "
                            f"for review.",
                    template="partners/email/application_received.txt",
                    context={"partner": partner, "contact": save_contact_public},
                    url=reverse("partners:console_detail", args=[partner.pk]), link_label="Review the application")
    if contact.get("email"):
        send_email_on_commit(to=contact["email"], subject="We received your partner application",
                             template="partners/email/application_ack.txt",
                             context={"partner": partner, "contact": save_contact_public})
    return partner


# ---- self-registration
# People from a partner's verified e-mail domains ask for an account at /join/; the partner's admins
# approve or decline. Domains are added by the partner (or the vendor) and verified by the vendor.

# Webmail providers: nobody owns them, so they are never a partner's domain.
FREE_EMAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "ymail.com", "hotmail.com", "hotmail.co.uk",
    "outlook.com", "live.com", "msn.com", "aol.com", "icloud.com", "me.com", "mac.com", "proton.me",
    "protonmail.com", "gmx.com", "gmx.de", "gmx.net", "web.de", "mail.com", "mail.ru", "yandex.com",
    "yandex.ru", "qq.com", "163.com", "126.com", "zoho.com", "fastmail.com", "tutanota.com", "hey.com",
    "rediffmail.com", "libero.it", "orange.fr", "free.fr", "t-online.de", "uol.com.br", "bol.com.br",
})
# Partners whose people may ask to join: those being onboarded or active in the program.
JOINABLE_STAGES = (Stage.ONBOARDING, Stage.ACTIVE)
JOIN_DEFAULT_ROLE = Role.PARTNER_SALES



def is_free_email_domain(domain: str) -> bool:
    """Whether the domain belongs to a webmail provider (an unparsable one is nobody's webmail)."""
    try:
        return normalize_domain(domain) in FREE_EMAIL_DOMAINS
    except InvalidDomain:
        return False


@transaction.atomic
def add_domain(*, actor, partner: Partner, domain: str) -> PartnerDomain:
    """Claim an e-mail domain for the partner; it stays unverified until the vendor verifies it."""
    if not can_edit_profile(actor, partner):
        raise NotAllowed("You may not change this partner's domains.")
    try:
        value = parse_domain(domain or "")
    except InvalidDomain as exc:
        raise ValidationFailed("Invalid domain.", errors={"domain": [exc.message]}) from exc
    if not value:
        raise ValidationFailed("Invalid domain.", errors={"domain": ["Enter a domain such as example.com."]})
    if value in FREE_EMAIL_DOMAINS:
        raise ValidationFailed("Public e-mail domain.", errors={
            "domain": [f"{value} is a public e-mail provider; add your company's own domain."]})
    existing = PartnerDomain.objects.filter(domain=value).first()
    if existing is not None:
        message = ("This domain is already on your list." if existing.partner_id == partner.pk
                   else "This domain is already claimed by another partner. Contact your channel manager.")
        raise Conflict(message, errors={"domain": [message]})
    item = PartnerDomain.objects.create(partner=partner, domain=value, verified=False)
    audit.record_create(actor=actor, obj=item, verb="partner_domain.added", partner=partner,
                        fields=["domain", "verified"])
    if not actor.is_vendor and partner.manager_id and partner.manager.is_active:
        send_email_on_commit(to=partner.manager.email, subject=f"{partner.name} added the domain {value}",
                             template="partners/email/domain_added.txt",
                             context={"partner": partner, "domain": item, "actor": actor})
    return item


@transaction.atomic
def remove_domain(*, actor, domain) -> None:
    """Drop one of the partner's domains; people from it can no longer ask to join."""
    if not can_edit_profile(actor, domain.partner):
        raise NotAllowed("You may not change this partner's domains.")
    audit.record(actor=actor, action=Action.DELETE, verb="partner_domain.removed", obj=domain,
                 partner=domain.partner, changes={"domain": [domain.domain, None], "verified": [domain.verified, None]})
    domain.delete()


@transaction.atomic
def verify_domain(*, actor, domain, verified: bool = True):
    """The vendor confirms (or withdraws) that the partner owns the domain; only then may people join from it."""
    if not can_manage_lifecycle(actor, domain.partner):
        raise NotAllowed("Only the partner's channel manager or a program admin verifies domains.")
    if domain.verified == verified:
        return domain
    domain.verified = verified
    domain.save(update_fields=["verified"])
    audit.record(actor=actor, action=Action.TRANSITION,
                 verb="partner_domain.verified" if verified else "partner_domain.unverified", obj=domain,
                 partner=domain.partner, changes={"verified": [not verified, verified]})
    return domain


def partner_for_email(email: str) -> Partner | None:
    """The partner whose verified domain the address is at, if that partner accepts people joining."""
    try:
        domain = normalize_domain((email or "").rsplit("@", 1)[-1])
    except InvalidDomain:  # e.g. an address literal such as a@[1.2.3.4]: no partner owns it
        return None
    if not domain:
        return None
    found = PartnerDomain.objects.select_related("partner").filter(
        domain=domain, verified=True, partner__stage__in=JOINABLE_STAGES).first()
    return found.partner if found else None


@transaction.atomic
def request_to_join(*, email: str, full_name: str, password: str):
    """Someone asks for an account with a partner: an unconfirmed request, and a confirmation link to the address.

    Nobody hears of the request until the link is followed (`confirm_join_request`): anyone can type someone
    else's address, only its owner can read the mail. A newer request from the same address replaces an
    older unconfirmed one, so a stranger's request cannot block the real person.
    """
    email = (email or "").strip().lower()
    full_name = (full_name or "").strip()
    errors = {}
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = ["Enter a valid e-mail address."]
    if not full_name:
        errors["full_name"] = ["Enter your name."]
    if errors:
        raise ValidationFailed("Please correct the errors below.", errors=errors)
    partner = partner_for_email(email)
    if partner is None:
        message = ("Your e-mail domain is not registered with any partner. Ask your company's partner admin "
                   "for an invitation, or apply to become a partner.")
        raise ValidationFailed(message, errors={"email": [message]})
    _check_may_join(email)
    try:
        password_validation.validate_password(password, User(email=email, full_name=full_name))
    except ValidationError as exc:
        raise ValidationFailed("The password is too weak.", errors={"password": list(exc.messages)}) from None
    for older in JoinRequest.objects.select_for_update().filter(email=email, status=JoinRequestStatus.UNCONFIRMED):
        older.status = JoinRequestStatus.SUPERSEDED
        older.password = ""
        older.save(update_fields=["status", "password"])
        audit.record(actor="public", action=Action.TRANSITION, verb="join_request.superseded", obj=older,
                     partner=older.partner, changes={"status": ["unconfirmed", "superseded"]})
    join = JoinRequest.objects.create(partner=partner, email=email, full_name=full_name[:150],
                                      password=make_password(password), created_at=clock.moment(),
                                      status=JoinRequestStatus.UNCONFIRMED)
    audit.record_create(actor="public", obj=join, verb="join_request.created", partner=partner,
                        fields=["email", "full_name", "status"], note="Confirmation link e-mailed to the address")
    send_email_on_commit(to=email, subject=f"Confirm your e-mail to join {partner.name} on OpenPRM",
                         template="partners/email/join_confirm.txt",
                         context={"join": join, "partner": partner,
                                  "hours": settings.JOIN_CONFIRMATION_SECONDS // 3600},
                         link=reverse("partners:join_confirm", args=[join_confirmation_token(join)]),
                         link_label="Confirm my e-mail address")
    return join


def _check_may_join(email: str) -> None:
    """Refuse addresses that already have an account, a request waiting for approval or an invitation."""
    if User.objects.filter(email=email).exists():
        message = "An account with this e-mail already exists. Sign in or reset your password."
        raise Conflict(message, errors={"email": [message]})
    if JoinRequest.objects.filter(email=email, status=JoinRequestStatus.PENDING).exists():
        message = "You already asked to join; your partner admin has not decided yet."
        raise Conflict(message, errors={"email": [message]})
    if Invitation.objects.pending().filter(email=email).exists():
        message = "You already have an invitation: use the link in the invitation e-mail."
        raise Conflict(message, errors={"email": [message]})


# Separates these signatures from every other use of SECRET_KEY, so no other signed value works as a link.
JOIN_CONFIRMATION_SALT = "openprm.partners.join-confirmation"


def join_confirmation_token(join) -> str:
    """The secret part of the confirmation link: the request and its address, signed with SECRET_KEY.

    The address goes in as a digest, so links copied into logs or proxies do not spell it out.
    """
    return signing.dumps({"join": join.pk, "address": _address_digest(join.email)}, salt=JOIN_CONFIRMATION_SALT)


def _address_digest(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()[:32]


def find_unconfirmed_join(token: str):
    """The unconfirmed, unexpired request a confirmation link points to, or JoinConfirmationInvalid."""
    invalid = "This confirmation link is invalid, expired or already used. Ask to join again."
    try:
        payload = signing.loads(token or "", salt=JOIN_CONFIRMATION_SALT)
    except signing.BadSignature:
        raise JoinConfirmationInvalid(invalid) from None
    join = JoinRequest.objects.select_related("partner").filter(pk=payload.get("join")).first()
    if join is None or payload.get("address") != _address_digest(join.email):
        raise JoinConfirmationInvalid(invalid)
    if join.status != JoinRequestStatus.UNCONFIRMED:
        raise JoinConfirmationInvalid(invalid)
    if clock.moment() - join.created_at > timedelta(seconds=settings.JOIN_CONFIRMATION_SECONDS):
        raise JoinConfirmationInvalid(invalid)
    return join


@transaction.atomic
def confirm_join_request(*, token: str):
    """The person followed the e-mailed link: the request waits for approval and the partner admins hear of it.

    The link works once (the request leaves `unconfirmed`) and only within JOIN_CONFIRMATION_SECONDS.
    """
    join = find_unconfirmed_join(token)
    # Lock the row so two clicks on the same link confirm (and notify) once.
    join = JoinRequest.objects.select_for_update().select_related("partner").get(pk=join.pk)
    if join.status != JoinRequestStatus.UNCONFIRMED:
        raise JoinConfirmationInvalid("This confirmation link has already been used.")
    _check_may_join(join.email)
    partner = join.partner
    if partner_for_email(join.email) != partner:
        message = "Your company no longer accepts requests to join. Ask your partner admin for an invitation."
        raise ValidationFailed(message, errors={"email": [message]})
    join.status, join.confirmed_at = JoinRequestStatus.PENDING, clock.moment()
    join.save(update_fields=["status", "confirmed_at"])
    audit.record(actor="public", action=Action.TRANSITION, verb="join_request.confirmed", obj=join, partner=partner,
                 changes={"status": ["unconfirmed", "pending"]}, note="Address confirmed by the e-mailed link")
    subject = f"{join.full_name} asks to join {partner.name} on OpenPRM"
    if partner.users.filter(role=Role.PARTNER_ADMIN, is_active=True).exists():
        _notify_partner_admins(partner, subject=subject, template="partners/email/join_request.txt",
                               context={"join": join})
    elif partner.manager_id and partner.manager.is_active:
        # No partner admin yet: the channel manager, who may manage the partner's people, decides instead.
        send_email_on_commit(to=partner.manager.email, subject=subject, template="partners/email/join_request.txt",
                             context={"join": join, "partner": partner, "to_manager": True})
    return join


def _check_join_decider(actor, join) -> None:
    if not accounts.can_manage_people_of(actor, join.partner):
        raise NotAllowed("You may not decide on this request.")
    if join.status == JoinRequestStatus.UNCONFIRMED or join.confirmed_at is None:
        # Whoever typed the address may not own it: nobody decides until its owner confirmed it.
        raise Conflict("The person has not confirmed their e-mail address yet.")
    if join.status != JoinRequestStatus.PENDING:
        raise Conflict(f"The request is already {join.get_status_display().lower()}.")


@transaction.atomic
def approve_join_request(*, actor, join, role: str = JOIN_DEFAULT_ROLE) -> User:
    """Create the account the person asked for, with the password they chose, in a partner role."""
    join = JoinRequest.objects.select_for_update().select_related("partner").get(pk=join.pk)
    _check_join_decider(actor, join)
    if role not in PARTNER_ROLES:
        raise ValidationFailed("Choose a partner role.", errors={"role": ["Choose a partner role."]})
    user = accounts.create_user(actor=actor, email=join.email, role=role, partner=join.partner,
                                full_name=join.full_name, time_zone=join.partner.time_zone)
    user.password = join.password  # the hash of the password the person chose at /join/
    user.save(update_fields=["password"])
    join.status, join.decided_at, join.decided_by, join.user = JoinRequestStatus.APPROVED, clock.moment(), actor, user
    join.save(update_fields=["status", "decided_at", "decided_by", "user"])
    audit.record(actor=actor, action=Action.TRANSITION, verb="join_request.approved", obj=join,
                 partner=join.partner, changes={"status": ["pending", "approved"], "role": [None, role]})
    send_email_on_commit(to=join.email, subject=f"Welcome to {join.partner.name} on OpenPRM",
                         template="partners/email/join_approved.txt",
                         context={"join": join, "partner": join.partner, "user": user},
                         link=reverse("accounts:login"), link_label="Sign in")
    return user


@transaction.atomic
def decline_join_request(*, actor, join):
    """Refuse a request to join; the person is told by e-mail and may not sign in."""
    join = JoinRequest.objects.select_for_update().select_related("partner").get(pk=join.pk)
    _check_join_decider(actor, join)
    join.status, join.decided_at, join.decided_by = JoinRequestStatus.DECLINED, clock.moment(), actor
    join.password = ""  # nothing to keep once declined
    join.save(update_fields=["status", "decided_at", "decided_by", "password"])
    audit.record(actor=actor, action=Action.TRANSITION, verb="join_request.declined", obj=join,
                 partner=join.partner, changes={"status": ["pending", "declined"]})
    send_email_on_commit(to=join.email, subject=f"Your request to join {join.partner.name}",
                         template="partners/email/join_declined.txt", context={"join": join, "partner": join.partner})
    return join

