"""The agreement as a document: its sections (shared by the printable page and the PDF) and the PDF itself.

Both renderings read `sections()`, so the page and the PDF always carry the same content.
"""

from io import BytesIO
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from openprm.lib.regions import COUNTRIES, Region
from openprm.programs.models import Program

from .models import Agreement


def _territory(code: str) -> str:
    if code in COUNTRIES:
        return f"{COUNTRIES[code][0]} ({code})"
    try:
        return f"{Region(code).label} (region)"
    except ValueError:
        return code


def _when(value) -> str:
    return timezone.localtime(value).strftime("%d %b %Y, %H:%M %Z") if value else "—"


def title(agreement: Agreement) -> str:
    return f"{agreement.template.title} — {agreement.partner.name}"


def sections(agreement: Agreement) -> list[dict]:
    """[{"title", "rows": [(label, value)], "text"}] in document order."""
    a = agreement
    signed = a.signed_at is not None
    return [
        {"title": "Parties", "rows": [
            ("Vendor", Program.current().name),
            ("Partner", a.partner.legal_name or a.partner.name),
            ("Agreement", f"{a.get_kind_display()} agreement #{a.pk}, from the {a.get_kind_display().lower()} "
                          f"template, version {a.template_version}"),
            ("Status", a.get_status_display()),
        ]},
        {"title": "Scope", "rows": [
            ("Products", ", ".join(a.products) or "All products of the program"),
            ("Territories", ", ".join(_territory(t) for t in a.territories) or "Not restricted"),
            ("Customer segments", ", ".join(a.segments) or "All segments"),
        ]},
        {"title": "Term and renewal", "rows": [
            ("Starts", f"{a.starts_on:%d %b %Y}"),
            ("Ends", f"{a.ends_on:%d %b %Y} (last day of the term)"),
            ("Auto-renew", "Yes, for another term of the same length" if a.auto_renew else "No"),
            ("Notice period", f"{a.notice_days} days (notice by {a.notice_date:%d %b %Y})"),
        ] + ([("Renews", f"Agreement #{a.renewed_from_id}")] if a.renewed_from_id else [])},
        {"title": "Responsibilities", "rows": [
            ("Vendor", a.responsibilities_vendor or "—"),
            ("Partner", a.responsibilities_partner or "—"),
        ]},
        {"title": "Pricing", "rows": [
            ("Discount", f"{a.discount_percent}%"),
            ("Margin", f"{a.margin_percent}%" if a.margin_percent is not None else "—"),
            ("Payment terms", f"{a.payment_terms_days} days"),
        ]},
        {"title": "Support", "rows": [("Support split", a.support_split)]},
        {"title": "Intellectual property", "text": a.ip_terms or "—"},
        {"title": "Termination", "text": a.termination_terms or "—", "rows": (
            [("Terminated", _when(a.terminated_at)), ("Reason", a.termination_reason)] if a.terminated_at else [])},
        {"title": "Commission plan", "rows": [("Plan", a.commission_plan or "—")]},
        {"title": "Branding", "rows": [
            ("White-label", "Yes" if a.whitelabel else "No"),
        ] + ([("White-label terms", a.whitelabel_terms)] if a.whitelabel_terms else [])},
        {"title": "Standard terms", "text": a.template.body},
        {"title": "Signature", "rows": [
            ("Signed by", f"{a.signer_name} ({a.signer_email or (a.signed_by.email if a.signed_by else '—')})"
             if signed else "Not signed yet"),
            ("Signed at", _when(a.signed_at)),
            ("From IP address", a.signer_ip or "—"),
            ("Browser", (a.signer_user_agent or "—") if signed else "—"),
        ]},
    ]


def render_pdf(agreement: Agreement) -> bytes:
    """The agreement as an A4 PDF."""
    styles = getSampleStyleSheet()
    body, label = styles["BodyText"], styles["BodyText"].clone("label", fontName="Helvetica-Bold")

    def para(text, style=body):
        return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)

    story = [Paragraph(escape(title(agreement)), styles["Title"]), Spacer(1, 4 * mm)]
    for section in sections(agreement):
        story.append(Paragraph(escape(section["title"]), styles["Heading2"]))
        if section.get("text"):
            story.append(para(section["text"]))
        rows = section.get("rows") or []
        if rows:
            table = Table([[para(k, label), para(v)] for k, v in rows], colWidths=[45 * mm, 125 * mm])
            table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                       ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey)]))
            story.append(table)
    buffer = BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=title(agreement), author="OpenPRM",
                            leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm, bottomMargin=18 * mm)
    doc.build(story)
    return buffer.getvalue()
