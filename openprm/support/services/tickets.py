"""Opening tickets and writing on them: comments (public or internal) and their attachments."""

import hashlib
import secrets

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import transaction

from openprm.audit import services as audit
from openprm.audit.models import Action
from openprm.lib import clock

from ..exceptions import ValidationFailed
from ..models import Attachment, Comment, Level, Priority, Source, Ticket, TicketStatus
from .common import (
    AUDIT_FIELDS,
    can_comment,
    is_partner_worker,
    is_staff_worker,
    level_workers,
    locked,
    notify_ticket,
    partner_workers,
    require,
    resume,
    start_clock,
)

MAX_SUBJECT = 200
MAX_TEXT = 20000
# Attachments: at most this many bytes each, and this many per comment.
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENTS_PER_COMMENT = 5
ATTACHMENT_TYPES_TEXT = "Attach a PNG, JPEG or GIF image, a PDF, a ZIP archive or a plain-text file (logs)."


def _text(data: dict, field: str, errors: dict, *, required: bool, limit: int) -> str:
    value = str(data.get(field) or "").strip()
    if required and not value:
        errors[field] = ["This field is required."]
    elif len(value) > limit:
        errors[field] = [f"At most {limit} characters."]
    return value


def _ticket_input(data: dict) -> dict:
    """The checked fields of a new ticket, or ValidationFailed naming every bad field."""
    errors: dict[str, list[str]] = {}
    clean = {
        "subject": _text(data, "subject", errors, required=True, limit=MAX_SUBJECT),
        "description": _text(data, "description", errors, required=True, limit=MAX_TEXT),
        "product": _text(data, "product", errors, required=False, limit=120),
        "customer_name": _text(data, "customer_name", errors, required=False, limit=150),
        "customer_company": _text(data, "customer_company", errors, required=False, limit=200),
        "customer_email": _text(data, "customer_email", errors, required=False, limit=254),
    }
    if clean["customer_email"]:
        try:
            validate_email(clean["customer_email"])
        except DjangoValidationError:
            errors["customer_email"] = ["Enter a valid e-mail address."]
    priority = data.get("priority") or Priority.P3
    if priority not in Priority.values:
        errors["priority"] = [f"Choose one of {', '.join(Priority.values)}."]
    level = data.get("level") or Level.L1
    if level not in (Level.L1, Level.L2):
        errors["level"] = ["A ticket opens at L1 or L2."]
    notes = _text(data, "notes", errors, required=level == Level.L2, limit=MAX_TEXT)
    if level == Level.L2 and "notes" in errors and not notes:
        errors["notes"] = ["Opening at L2 needs the L1 troubleshooting notes."]
    if errors:
        raise ValidationFailed("The ticket was not opened.", errors=errors)
    return {**clean, "priority": priority, "level": level, "troubleshooting_notes": notes}


@transaction.atomic
def open_ticket(*, actor, partner, data: dict, source: str = Source.PORTAL) -> Ticket:
    """Open a ticket for `partner`: at L1 (the partner's own queue) or directly at L2 with the L1 troubleshooting
    notes (the vendor's clock starts now). The partner's L1 people, vendor support and program admins open
    tickets; the public help page opens L1 tickets with no actor (`source="help_page"`)."""
    if source != Source.HELP_PAGE:
        require(actor is not None and (is_partner_worker(actor, Ticket(partner=partner))
                                       or (is_staff_worker(actor) and actor.role != "engineering")),
                "You may not open tickets for this partner.")
    clean = _ticket_input(data)
    if source == Source.HELP_PAGE and clean["level"] != Level.L1:
        raise ValidationFailed("The ticket was not opened.", errors={"level": ["Customers open L1 tickets."]})
    now = clock.moment()
    ticket = Ticket(partner=partner, source=source, created_at=now, updated_at=now,
                    created_by=actor if getattr(actor, "is_authenticated", False) else None, **clean)
    if ticket.level == Level.L2:
        start_clock(ticket, now)
    ticket.save()
    audit.record_create(actor=actor if actor is not None else "public", obj=ticket, verb="ticket.created",
                        partner=partner, fields=AUDIT_FIELDS, note=f"opened at {ticket.level}")
    if ticket.level == Level.L1:
        notify_ticket(ticket, partner_workers(ticket), "created")
    else:
        notify_ticket(ticket, level_workers(Level.L2), "created")
    return ticket


# ---------------------------------------------------------------- attachments

_SIGNATURES = [
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
]


def sniff(content: bytes) -> str | None:
    """The file's type from its first bytes (never from its name or the browser's claim): a known image,
    PDF or ZIP signature, or UTF-8 text without control characters; None for anything else."""
    for signature, kind in _SIGNATURES:
        if content.startswith(signature):
            return kind
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if any(ord(ch) < 32 and ch not in "\t\r\n\f" for ch in text):
        return None
    head = text.lstrip()[:200].lower()
    # Markup could render as a page of ours if ever shown; plain text only.
    if head.startswith(("<", "<?xml")) or "<script" in text.lower() or "<svg" in head or "<html" in head:
        return None
    return "text/plain"


def check_files(files) -> list[tuple[str, bytes, str]]:
    """(name, content, type) of each upload, or ValidationFailed on the `attachments` field: too many, too
    large, or a type we do not accept. Checked before anything is written."""
    files = list(files or [])
    if len(files) > ATTACHMENTS_PER_COMMENT:
        raise ValidationFailed("Too many attachments.",
                               errors={"attachments": [f"At most {ATTACHMENTS_PER_COMMENT} files per comment."]})
    checked = []
    for upload in files:
        name = (getattr(upload, "name", "") or "file").replace("\\", "/").rsplit("/", 1)[-1][:200] or "file"
        if upload.size > ATTACHMENT_MAX_BYTES:
            raise ValidationFailed("Attachment too large.", errors={
                "attachments": [f"{name}: at most {ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB per file."]})
        content = upload.read()
        if len(content) > ATTACHMENT_MAX_BYTES:
            raise ValidationFailed("Attachment too large.", errors={
                "attachments": [f"{name}: at most {ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB per file."]})
        kind = sniff(content) if content else None
        if kind is None:
            raise ValidationFailed("Attachment not accepted.", errors={
                "attachments": [f"{name}: {ATTACHMENT_TYPES_TEXT}"]})
        checked.append((name, content, kind))
    return checked


def _store(comment: Comment, checked) -> None:
    for name, content, kind in checked:
        attachment = Attachment(comment=comment, storage_key=secrets.token_hex(24), filename=name,
                                content_type=kind, size=len(content),
                                sha256=hashlib.sha256(content).hexdigest(), created_at=comment.created_at)
        # Saving the file writes the row too (save=True), under the random key's name.
        attachment.file.save("upload.bin", ContentFile(content), save=True)


# ---------------------------------------------------------------- comments

@transaction.atomic
def add_comment(*, actor, ticket: Ticket, body: str, internal: bool = False, files=(),
                customer_name: str = "") -> Comment:
    """Write on a ticket. A public comment by vendor staff is the first response when it is the first one; a
    public comment by the partner on a ticket waiting on it re-opens the ticket (the clock resumes).
    Internal notes are vendor-only: no partner user reads them, nor hears of them. `actor=None` is the end
    customer following the ticket through its private link (public, L1 side)."""
    ticket = locked(ticket)
    if actor is not None:
        require(can_comment(actor, ticket, internal=internal),
                "Partner users cannot write internal notes." if internal and is_partner_worker(actor, ticket)
                else "You may not write on this ticket.")
    elif internal:
        raise ValidationFailed("Not allowed.", errors={"internal": ["Customers write public comments only."]})
    body = (body or "").strip()
    if not body:
        raise ValidationFailed("Write a message.", errors={"body": ["This field is required."]})
    if len(body) > MAX_TEXT:
        raise ValidationFailed("The message is too long.", errors={"body": [f"At most {MAX_TEXT} characters."]})
    if ticket.status == TicketStatus.CLOSED:
        raise ValidationFailed("The ticket is closed.", errors={"body": ["This ticket is closed; open a new one."]})
    checked = check_files(files)
    now = clock.moment()
    by_vendor = actor is not None and actor.is_vendor
    comment = Comment.objects.create(ticket=ticket, author=actor, author_name=customer_name[:150],
                                     by_vendor=by_vendor, internal=internal, body=body, created_at=now)
    _store(comment, checked)
    before = audit.snapshot(ticket, AUDIT_FIELDS)
    if not internal:
        if by_vendor:
            if ticket.sla_started_at is not None and ticket.first_responded_at is None:
                ticket.first_responded_at = now
                if now >= ticket.first_response_due and ticket.first_response_breached_at is None:
                    ticket.first_response_breached_at = ticket.first_response_due
            if ticket.status == TicketStatus.NEW:
                ticket.status = TicketStatus.OPEN
        elif ticket.status == TicketStatus.WAITING_ON_PARTNER:
            resume(ticket, now)
            ticket.status = TicketStatus.OPEN
    ticket.updated_at = now
    ticket.save()
    # Internal notes: no text in the trail, and not on the partner's trail (partner=None) at all.
    audit.record(actor=actor if actor is not None else "customer", action=Action.CREATE,
                 verb="ticket.internal_note" if internal else "ticket.commented", obj=ticket,
                 partner=None if internal else ticket.partner,
                 changes=audit.diff(before, audit.snapshot(ticket, AUDIT_FIELDS)),
                 note=(f"{len(checked)} attachment(s)" if checked else ""))
    if internal:
        notify_ticket(ticket, [ticket.assignee] if ticket.assignee and ticket.assignee.is_vendor else [],
                      "comment")
    elif by_vendor:
        notify_ticket(ticket, partner_workers(ticket), "comment", text=body)
    else:
        vendor = ([ticket.assignee] if ticket.assignee and ticket.assignee.is_vendor
                  else level_workers(ticket.level) if ticket.level != Level.L1 else [])
        others = [u for u in partner_workers(ticket) if u != actor] if ticket.level == Level.L1 else []
        notify_ticket(ticket, vendor + others, "comment", text=body)
    return comment


def visible_comments(user, ticket: Ticket):
    """The comments `user` may read: vendor staff read internal notes too, everyone else public ones only."""
    comments = ticket.comments.select_related("author").prefetch_related("attachments")
    if user is None or not getattr(user, "is_vendor", False):
        comments = comments.filter(internal=False)
    return comments
