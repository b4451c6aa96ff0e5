"""Every change to people and access: users, invitations, API tokens, sign-in throttling."""

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse

from openprm.audit import services as audit
from openprm.audit.models import Action
from openprm.lib import clock
from openprm.lib.errors import field_errors_from_django
from openprm.lib.formatting import plural

from . import mail, ratelimit
from .exceptions import Conflict, InvitationInvalid, LockedOut, NotAllowed, ValidationFailed
from .models import (
    PARTNER_ROLES,
    VENDOR_ROLES,
    ApiToken,
    Invitation,
    LoginThrottle,
    Role,
    SavedFilter,
    SavedList,
    User,
    hash_secret,
)

logger = logging.getLogger(__name__)

USER_AUDIT_FIELDS = ["email", "full_name", "role", "partner_id", "is_active", "time_zone", "title", "phone"]


def _check_role_and_partner(role: str, partner) -> None:
    if role not in Role.values:
        raise ValidationFailed("Unknown role.", errors={"role": [f"Choose one of: {', '.join(Role.values)}."]})
    if role in PARTNER_ROLES and partner is None:
        raise ValidationFailed("A partner role needs a partner.", errors={"partner": ["Choose the partner."]})
    if role in VENDOR_ROLES and partner is not None:
        raise ValidationFailed(
            "Vendor roles belong to no partner.", errors={"partner": ["Leave empty for vendor roles."]}
        )


def can_manage_people_of(actor, partner) -> bool:
    """Program admins manage everyone; channel managers their partners' people; partner admins their own."""
    if actor.role == Role.ADMIN:
        return True
    if partner is None:
        return False
    if actor.role == Role.CHANNEL_MANAGER:
        return partner.manager_id == actor.pk
    return actor.role == Role.PARTNER_ADMIN and actor.partner_id == partner.pk


def _normalize_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        message = "Enter a valid e-mail address."
        raise ValidationFailed(message, errors={"email": [message]}) from None
    return email


@transaction.atomic
def create_user(*, actor, email: str, role: str, partner=None, full_name: str = "", password: str | None = None,
                time_zone: str = "UTC") -> User:
    """Create a user directly (operators and demo data). `actor` None means the command line."""
    email = _normalize_email(email)
    _check_role_and_partner(role, partner)
    if actor is not None and not can_manage_people_of(actor, partner):
        raise NotAllowed("You may not create users for this partner.")
    if User.objects.filter(email=email).exists():
        raise Conflict(f"A user with e-mail {email} already exists.", errors={"email": ["Already registered."]})
    user = User(email=email, role=role, partner=partner, full_name=full_name, time_zone=time_zone,
                is_staff=(role == Role.ADMIN), is_superuser=(role == Role.ADMIN))
    if password:
        try:
            password_validation.validate_password(password, user)
        except ValidationError as exc:
            raise ValidationFailed("The password is too weak.", errors={"password": list(exc.messages)}) from None
        user.set_password(password)
    else:
        user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        message = f"A user with e-mail {email} already exists."
        raise Conflict(message, errors={"email": ["Already registered."]}) from None
    audit.record_create(actor=actor or "cli", obj=user, verb="user.created", fields=USER_AUDIT_FIELDS,
                        partner=partner)
    return user


@transaction.atomic
def update_user(*, actor, user: User, **changes) -> User:
    """Change a user's name, role, time zone or active flag, keeping role and partner consistent."""
    allowed = {"full_name", "role", "is_active", "time_zone", "title", "phone"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed("Unknown fields.", errors={k: ["Cannot be changed here."] for k in unknown})
    is_self = actor.pk == user.pk
    if not is_self and not can_manage_people_of(actor, user.partner):
        raise NotAllowed("You may not change this user.")
    if is_self and ({"role", "is_active"} & set(changes)) and not can_manage_people_of(actor, user.partner):
        raise NotAllowed("You may not change your own role or access.")
    if "role" in changes:
        _check_role_and_partner(changes["role"], user.partner)
        if actor.role != Role.ADMIN and changes["role"] not in PARTNER_ROLES:
            raise NotAllowed("Only program admins grant vendor roles.")
    if is_self and changes.get("is_active") is False:
        raise ValidationFailed("You cannot deactivate yourself.", errors={"is_active": ["Not for yourself."]})
    before = audit.snapshot(user, USER_AUDIT_FIELDS)
    for field, value in changes.items():
        setattr(user, field, value)
    user.is_staff = user.is_superuser = user.role == Role.ADMIN
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        raise ValidationFailed("Please correct the errors below.", errors=field_errors_from_django(exc)) from None
    user.save()
    changed = audit.diff(before, audit.snapshot(user, USER_AUDIT_FIELDS))
    if changed:
        audit.record(actor=actor, action=Action.UPDATE, verb="user.updated", obj=user, partner=user.partner,
                     changes=changed)
    return user


@transaction.atomic
def set_password(*, actor, user: User, password: str, verb: str = "user.password_changed") -> None:
    """Set a new password after validating it (reset link, invitation acceptance, profile)."""
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed("The password is too weak.", errors={"password": list(exc.messages)}) from None
    user.set_password(password)
    user.save(update_fields=["password"])
    LoginThrottle.objects.filter(email=user.email).delete()
    audit.record(actor=actor or user, action=Action.UPDATE, verb=verb, obj=user, partner=user.partner)


# ---------------------------------------------------------------- invitations


@transaction.atomic
def invite(*, actor, email: str, role: str, partner=None, full_name: str = "") -> tuple[Invitation, str]:
    """Invite someone by e-mail. Returns the invitation and the secret link path (sent by e-mail)."""
    # Who may invite comes first: someone who may not invite learns that, not which fields were wrong.
    if not can_manage_people_of(actor, partner):
        raise NotAllowed("You may not invite people to this partner.")
    email = _normalize_email(email)
    _check_role_and_partner(role, partner)
    if role in VENDOR_ROLES and actor.role != Role.ADMIN:
        raise NotAllowed("Only program admins invite vendor staff.")
    if partner is not None and partner.stage == "terminated":
        raise ValidationFailed("The partner is terminated.", errors={"partner": ["The partner is terminated."]})
    if User.objects.filter(email=email).exists():
        raise Conflict(f"{email} already has an account.", errors={"email": ["Already has an account."]})
    if Invitation.objects.pending().filter(email=email).exists():
        raise Conflict(f"{email} already has a pending invitation.", errors={"email": ["Already invited."]})
    secret = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email, full_name=full_name, role=role, partner=partner, token_hash=hash_secret(secret),
        invited_by=actor, expires_at=clock.moment() + timedelta(days=settings.INVITATION_DAYS),
    )
    audit.record_create(actor=actor, obj=invitation, verb="invitation.sent", partner=partner,
                        fields=["email", "role", "partner_id", "expires_at"])
    path = reverse("accounts:accept_invitation", args=[secret])
    send_email_on_commit(
        to=email,
        subject=(f"You're invited to the partner portal of {partner.name}" if partner
                 else f"You're invited to the {mail.branding()['name']} console"),
        template="accounts/email/invitation.txt", context={"invitation": invitation, "inviter": actor},
        link=path, link_label="Accept the invitation",
    )
    return invitation, path


def find_invitation(secret: str) -> Invitation:
    """The pending invitation for a link secret, or InvitationInvalid."""
    invitation = Invitation.objects.select_related("partner").filter(token_hash=hash_secret(secret or "")).first()
    if invitation is None or invitation.status != "pending":
        raise InvitationInvalid("This invitation link is invalid, used or expired. Ask for a new one.")
    return invitation


@transaction.atomic
def accept_invitation(*, secret: str, full_name: str, password: str) -> User:
    """Create the invited user with the chosen password; the link works once."""
    invitation = find_invitation(secret)
    # Lock the row so two clicks on the same link cannot create two users.
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at:
        raise InvitationInvalid("This invitation has already been used.")
    if not (full_name or "").strip():
        raise ValidationFailed("Enter your name.", errors={"full_name": ["Enter your name."]})
    if User.objects.filter(email=invitation.email).exists():
        raise Conflict("An account with this e-mail already exists.", errors={"email": ["Already registered."]})
    # A partner's people start in their partner's time zone (set from its country), not in UTC; they can change it.
    user = User(email=invitation.email, full_name=full_name.strip(), role=invitation.role,
                partner=invitation.partner, is_staff=invitation.role == Role.ADMIN,
                time_zone=invitation.partner.time_zone if invitation.partner_id else "UTC",
                is_superuser=invitation.role == Role.ADMIN)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed("The password is too weak.", errors={"password": list(exc.messages)}) from None
    user.set_password(password)
    user.save()
    invitation.accepted_at = clock.moment()
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_at", "accepted_user"])
    audit.record(actor=user, action=Action.TRANSITION, verb="invitation.accepted", obj=invitation,
                 partner=invitation.partner, changes={"status": ["pending", "accepted"]})
    audit.record_create(actor=user, obj=user, verb="user.created", fields=USER_AUDIT_FIELDS,
                        partner=invitation.partner)
    return user


@transaction.atomic
def revoke_invitation(*, actor, invitation: Invitation) -> Invitation:
    """Withdraw a pending invitation so its link stops working."""
    if not can_manage_people_of(actor, invitation.partner):
        raise NotAllowed("You may not revoke this invitation.")
    if invitation.status != "pending":
        raise Conflict(f"The invitation is already {invitation.status}.")
    invitation.revoked_at = clock.moment()
    invitation.save(update_fields=["revoked_at"])
    audit.record(actor=actor, action=Action.TRANSITION, verb="invitation.revoked", obj=invitation,
                 partner=invitation.partner, changes={"status": ["pending", "revoked"]})
    return invitation


# ---------------------------------------------------------------- API tokens


@transaction.atomic
def create_token(*, actor, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a personal API token; the secret is returned once and only its hash is kept."""
    if actor is not None and actor.pk != user.pk:
        raise NotAllowed("People create their own API tokens.")
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("Name the token.", errors={"name": ["Name the token, e.g. 'CRM sync'."]})
    if len(name) > 100:
        raise ValidationFailed("Name too long.", errors={"name": ["At most 100 characters."]})
    secret = ApiToken.generate_secret()
    token = ApiToken.objects.create(user=user, name=name, hint=secret[:12], token_hash=hash_secret(secret))
    audit.record_create(actor=actor or "cli", obj=token, verb="api_token.created", partner=user.partner,
                        fields=["name", "hint"])
    return token, secret


@transaction.atomic
def revoke_token(*, actor, token: ApiToken) -> ApiToken:
    """Revoke a token at once; requests carrying it are refused from now on."""
    if actor.pk != token.user_id and actor.role != Role.ADMIN:
        raise NotAllowed("You may not revoke this token.")
    if token.revoked_at:
        raise Conflict("The token is already revoked.")
    token.revoked_at = clock.moment()
    token.save(update_fields=["revoked_at"])
    audit.record(actor=actor, action=Action.TRANSITION, verb="api_token.revoked", obj=token,
                 partner=token.user.partner, changes={"status": ["active", "revoked"]})
    return token


def authenticate_token(secret: str) -> User | None:
    """The active user a bearer token belongs to, or None; stamps the token's last use."""
    if not secret or not secret.startswith(ApiToken.PREFIX):
        return None
    token = ApiToken.objects.active().select_related("user").filter(token_hash=hash_secret(secret)).first()
    if token is None:
        return None
    now = clock.moment()
    # Stamping at most once a minute keeps busy integrations from writing on every request.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# ---------------------------------------------------------------- sign-in throttling
# The authentication backend (backends.py) calls these around every password check, so the sign-in page,
# the Django admin and anything else that calls django.contrib.auth.authenticate share one lock-out.

# Failed sign-ins and unknown API tokens, counted per client IP address.
LOGIN_FAILURE_IP_SCOPE = "login_failure:ip"


def check_not_locked(email: str, ip_address: str | None = None) -> None:
    """Raise LockedOut while the address is locked after too many failures, or the client IP guessed too often.

    Called by the authentication backend before every password check, whichever page asked for it.
    """
    now = clock.moment()
    email = (email or "").strip().lower()
    throttle = LoginThrottle.objects.filter(email=email).first() if email else None
    if throttle and throttle.is_locked(now):
        minutes = max(1, int((throttle.locked_until - now).total_seconds() // 60) + 1)
        raise LockedOut(f"Too many failed sign-ins. Try again in {plural(minutes, 'minute')} or reset your password.")
    if ip_address and ratelimit.exceeded(scope=LOGIN_FAILURE_IP_SCOPE, key=ip_address,
                                         limit=settings.LOGIN_MAX_FAILURES_PER_IP,
                                         window_seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS):
        raise LockedOut("Too many failed sign-ins from your network. Try again later or reset your password.")


@transaction.atomic
def record_login_failure(email: str, ip_address: str | None = None) -> None:
    """Count a failed sign-in; the Nth failure within the window locks the address."""
    email = (email or "").strip().lower()[:254]
    now = clock.moment()
    throttle, _ = LoginThrottle.objects.select_for_update().get_or_create(email=email)
    window = timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    if throttle.first_failure_at is None or now - throttle.first_failure_at > window:
        throttle.failures, throttle.first_failure_at = 0, now
    throttle.failures += 1
    if throttle.failures >= settings.LOGIN_MAX_FAILURES:
        throttle.locked_until = now + timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
        user = User.objects.filter(email=email).first()
        if user:
            audit.record(actor="system", action=Action.ACCESS, verb="user.locked_out", obj=user,
                         partner=user.partner, ip_address=ip_address,
                         note=f"{throttle.failures} failed sign-ins")
        throttle.failures, throttle.first_failure_at = 0, None
    throttle.save()
    if ip_address:
        ratelimit.hit(scope=LOGIN_FAILURE_IP_SCOPE, key=ip_address, limit=settings.LOGIN_MAX_FAILURES_PER_IP,
                      window_seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def record_token_failure(ip_address: str) -> None:
    """Count an unknown or revoked API token against the client IP, like a failed sign-in."""
    ratelimit.hit(scope=LOGIN_FAILURE_IP_SCOPE, key=ip_address, limit=settings.LOGIN_MAX_FAILURES_PER_IP,
                  window_seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def record_login_success(user: User, ip_address: str | None = None) -> None:
    """Clear the failure count and stamp the sign-in in the audit trail."""
    LoginThrottle.objects.filter(email=user.email).delete()
    audit.record(actor=user, action=Action.ACCESS, verb="user.signed_in", obj=user, partner=user.partner,
                 ip_address=ip_address)


# ---------------------------------------------------------------- e-mail


def notify(*, users, subject: str, template: str, context: dict, url: str = "", summary: str = "",
           link_label: str = "Open in OpenPRM") -> None:
    """Tell people about an event: an in-app notification each (the subject as its title, `summary` as its one
    readable line, `url` as its link) and an e-mail after commit (the `template` text with the link, plus HTML).
    Give a `summary` (one sentence, no greeting): without it the notification shows its title alone.

    Callers pass only people allowed to see the object (e.g. the owning partner's users), and a `url` that
    opens for every one of them, so notifications never cross partners and never lead to a 404.
    """
    from .models import Notification

    recipients = [u for u in users if u.is_active]
    if not recipients:
        return
    text, html = mail.render_email(template=template, context=context, subject=subject, link=url,
                                   link_label=link_label)
    Notification.objects.bulk_create([Notification(user=u, title=subject[:200], summary=summary[:300], url=url)
                                      for u in recipients])
    for user in recipients:
        transaction.on_commit(lambda email=user.email: _send_email(to=[email], subject=subject, body=text,
                                                                    html=html))


def _send_email(*, to, subject, body, html=None):
    """Hand one e-mail to the worker (or send it inline). Runs after commit: a mail server or broker that is
    down is logged, never raised, so it cannot turn the committed change into an error page or API answer."""
    from .tasks import send_email

    try:
        send_email.delay(to=to, subject=subject, body=body, html=html)
    except Exception:  # any failure of the mail path; the change it reports is already committed
        logger.exception("E-mail %r to %s could not be sent", subject, ", ".join(to))


def relink_notifications(*, users, old_url: str, new_url: str, summary: str = "") -> int:
    """Point these people's notifications that lead to `old_url` at `new_url` instead (with a new summary when
    given): for when the object behind the old link is no longer theirs to open, e.g. a lead that went on to
    another partner. Returns how many changed. Called inside the caller's transaction."""
    from .models import Notification

    changes = {"url": new_url, **({"summary": summary[:300]} if summary else {})}
    return Notification.objects.filter(user__in=list(users), url=old_url).update(**changes)


@transaction.atomic
def mark_notifications_read(*, user, ids=None) -> int:
    """Mark the user's notifications read (all when `ids` is None); returns how many changed."""
    unread = user.notifications.unread()
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=clock.moment())


def send_email_on_commit(*, to: str, subject: str, template: str, context: dict, link: str = "",
                         link_label: str = "Open in OpenPRM") -> None:
    """Render an e-mail now (text and HTML, links on the site URL) and send it once the transaction commits."""
    text, html = mail.render_email(template=template, context=context, subject=subject, link=link,
                                   link_label=link_label)
    transaction.on_commit(lambda: _send_email(to=[to], subject=subject, body=text, html=html))


def send_email_now(*, to: str, subject: str, template: str, context: dict, link: str = "",
                   link_label: str = "Open in OpenPRM") -> None:
    """Render and send an e-mail that reports no change (a password-reset link): at once, with the same parts
    as every other e-mail, a failure logged rather than raised."""
    text, html = mail.render_email(template=template, context=context, subject=subject, link=link,
                                   link_label=link_label)
    _send_email(to=[to], subject=subject, body=text, html=html)


# ---------------------------------------------------------------- saved filters

# Parameters that are never part of a saved filter: the page shown and a download's format.
UNSAVED_PARAMS = {"page", "format", "csrfmiddlewaretoken"}


@transaction.atomic
def save_filter(*, actor, list_name: str, name: str, query: str) -> SavedFilter:
    """Save the list's current query string under a name, for the actor alone; the same name again replaces
    its query. Paging and download parameters are dropped."""
    from urllib.parse import parse_qsl, urlencode

    errors = {}
    name = " ".join((name or "").split())
    if list_name not in SavedList.values:
        errors["list_name"] = ["Unknown list."]
    if not name:
        errors["name"] = ["Name the filter."]
    elif len(name) > 60:
        errors["name"] = ["At most 60 characters."]
    pairs = [(k, v) for k, v in parse_qsl((query or "").lstrip("?"), keep_blank_values=False)
             if k not in UNSAVED_PARAMS]
    query = urlencode(pairs)
    if len(query) > 1000:
        errors["query"] = ["This filter is too long to save."]
    if errors:
        raise ValidationFailed("The filter was not saved.", errors=errors)
    saved = SavedFilter.objects.filter(user=actor, list_name=list_name, name=name).first()
    if saved is None:
        saved = SavedFilter.objects.create(user=actor, list_name=list_name, name=name, query=query)
        audit.record(actor=actor, action=Action.CREATE, verb="saved_filter.created", obj=saved,
                     partner=actor.partner, changes={"name": [None, name], "query": [None, query]})
    elif saved.query != query:
        before, saved.query = saved.query, query
        saved.save(update_fields=["query"])
        audit.record(actor=actor, action=Action.UPDATE, verb="saved_filter.updated", obj=saved,
                     partner=actor.partner, changes={"query": [before, query]})
    return saved


@transaction.atomic
def delete_filter(*, actor, saved: SavedFilter) -> None:
    """Remove one of the actor's own saved filters."""
    if saved.user_id != actor.pk:
        raise NotAllowed("This is someone else's saved filter.")
    audit.record(actor=actor, action=Action.DELETE, verb="saved_filter.deleted", obj=saved, partner=actor.partner,
                 changes={"name": [saved.name, None]})
    saved.delete()
