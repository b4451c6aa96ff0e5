"""Lead import from CSV (all or nothing, problems shown per row), the review queue's CSV/XLSX downloads, and the
portal's accept form asking for an amount."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from conftest import client_for, make_user
from openprm.audit.models import AuditEvent
from openprm.deals import services
from openprm.deals.exceptions import NotAllowed, ValidationFailed
from openprm.deals.models import Lead, LeadStatus, Registration
from openprm.deals.services import lead_import

pytestmark = pytest.mark.django_db

GOOD = ("company_name,country,domain,amount,currency,products,contact_email\n"
        "Umbrella Corp,US,umbrella.example,50000,USD,Analytics; Edge Gateway,albert@umbrella.example\n"
        "\n"
        "Cyberdyne Systems,us,,,EUR,,\n")
BAD = ("company_name,country,domain,amount\n"
       "Umbrella Corp,US,umbrella.example,50000\n"
       ",XX,not a domain,-3\n"
       "Umbrella Corporation,US,umbrella.example,10\n")


def upload(text, name="leads.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


# ---------------------------------------------------------------- lead import: the service

def test_a_good_file_adds_and_routes_every_lead(active_acme, channel_manager):
    rows = services.read_leads_csv(GOOD.encode("utf-8-sig"))
    assert [row.line for row in rows] == [2, 4]  # blank lines are skipped, numbers stay the file's
    leads = services.import_leads(actor=channel_manager, rows=rows, source="leads.csv")
    assert [lead.company_name for lead in leads] == ["Umbrella Corp", "Cyberdyne Systems"]
    umbrella, cyberdyne = leads
    assert umbrella.products == ["Analytics", "Edge Gateway"] and str(umbrella.amount) == "50000.00"
    assert cyberdyne.country == "US" and cyberdyne.amount is None and cyberdyne.currency == "EUR"
    assert all(lead.partner_id == active_acme.pk and lead.status == LeadStatus.UNOPENED for lead in leads)
    event = AuditEvent.objects.for_object(umbrella).get(verb="lead.created")
    assert event.note == "imported from leads.csv, line 2"


def test_a_file_with_a_bad_row_imports_nothing_and_names_each_problem(active_acme, channel_manager):
    rows = services.read_leads_csv(BAD)
    with pytest.raises(ValidationFailed) as refused:
        services.import_leads(actor=channel_manager, rows=rows)
    errors = refused.value.errors
    assert {"rows.3.company_name", "rows.3.country", "rows.3.domain", "rows.3.amount"} <= set(errors)
    assert errors["rows.4.company_name"] == ["The same company as line 2."]
    assert "rows.2.company_name" not in errors
    assert "2 of 3 rows" in refused.value.message
    assert not Lead.objects.exists()


def test_a_check_writes_nothing(active_acme, channel_manager):
    assert services.import_leads(actor=channel_manager, rows=services.read_leads_csv(GOOD), dry_run=True) == []
    assert not Lead.objects.exists()


@pytest.mark.parametrize("content, problem", [
    (b"", "The first line must name the columns."),
    (b"company_name\nAcme\n", "Missing column: country."),
    (b"company_name,country,colour\nAcme,US,red\n", "Unknown column: colour."),
    (b"company_name,country\n", "Add one lead per line under the header."),
    ("company_name,country\nMüller,DE\n".encode("latin-1"), "Save the spreadsheet as “CSV UTF-8”"),
])
def test_unreadable_files_are_refused_as_a_whole(content, problem):
    with pytest.raises(ValidationFailed) as refused:
        services.read_leads_csv(content)
    assert any(problem in text for text in refused.value.errors["file"])


def test_too_many_rows_are_refused(monkeypatch):
    monkeypatch.setattr(lead_import, "MAX_IMPORT_ROWS", 2)  # read where read_leads_csv lives
    with pytest.raises(ValidationFailed) as refused:
        services.read_leads_csv("company_name,country\nA,US\nB,US\nC,US\n")
    assert "At most 2 leads per file; this one has 3" in refused.value.errors["file"][0]


def test_only_lead_creators_import(active_acme, acme_admin, finance_user):
    rows = services.read_leads_csv(GOOD)
    for actor in (acme_admin, finance_user):
        with pytest.raises(NotAllowed):
            services.import_leads(actor=actor, rows=rows)
    assert not Lead.objects.exists()


# ---------------------------------------------------------------- lead import: the page

def test_the_page_checks_then_imports_without_a_second_upload(active_acme, channel_manager):
    client = client_for(channel_manager)
    url = reverse("deals:console_lead_import")
    assert "Import CSV" in client.get(reverse("deals:console_leads")).content.decode()
    page = client.post(url, {"file": upload(GOOD), "action": "check"}).content.decode()
    assert "2 leads ready to import" in page and "Umbrella Corp" in page and "Cyberdyne Systems" in page
    assert not Lead.objects.exists()
    # The confirmation carries the checked text: no file this time.
    response = client.post(url, {"content": GOOD, "filename": "leads.csv", "action": "import"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("deals:console_leads")
    assert "Imported 2 leads from leads.csv; 2 offered to partners." in response.content.decode()
    assert Lead.objects.count() == 2


def test_the_page_shows_problems_per_row_and_saves_nothing(active_acme, channel_manager):
    response = client_for(channel_manager).post(reverse("deals:console_lead_import"),
                                                {"file": upload(BAD), "action": "import"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "nothing was imported" in page and "The same company as line 2." in page
    assert "Choose a country (ISO code such as US or DE)." in page
    assert not Lead.objects.exists()


def test_the_page_explains_an_unreadable_file(channel_manager):
    client = client_for(channel_manager)
    page = client.post(reverse("deals:console_lead_import"),
                       {"file": upload("name,land\nAcme,US\n"), "action": "import"}).content.decode()
    assert "Missing columns: company_name, country." in page
    page = client.post(reverse("deals:console_lead_import"), {"action": "check"}).content.decode()
    assert "Choose a CSV file." in page
    assert not Lead.objects.exists()


def test_the_template_download_is_a_valid_import(active_acme, channel_manager):
    response = client_for(channel_manager).get(reverse("deals:console_lead_import"), {"template": "1"})
    assert response["Content-Type"].startswith("text/csv")
    rows = services.check_lead_rows(services.read_leads_csv(response.content))
    assert len(rows) == 1 and not rows[0].errors


def test_people_who_do_not_share_leads_cannot_import(active_acme, finance_user, acme_admin, anon):
    url = reverse("deals:console_lead_import")
    assert client_for(finance_user).get(url).status_code == 403
    assert client_for(finance_user).post(url, {"file": upload(GOOD), "action": "import"}).status_code == 403
    assert client_for(acme_admin).post(url, {"file": upload(GOOD), "action": "import"}).status_code == 403
    assert anon.get(url).status_code == 302
    assert not Lead.objects.exists()


# ---------------------------------------------------------------- registrations export

@pytest.fixture
def registrations(active_acme, active_globex, acme_rep, globex_admin, register):
    acme_reg = register(acme_rep, active_acme, customer_name="=HYPERLINK(\"http://evil\")",
                        customer_domain="initech.example")
    hooli = register(acme_rep, active_acme, customer_name="Hooli", customer_domain="hooli.example")
    globex_reg = register(globex_admin, active_globex, customer_name="Globex Customer",
                          customer_domain="globexcustomer.example", customer_country="DE", currency="EUR",
                          amount="1234.50")
    return acme_reg, hooli, globex_reg


def test_the_queue_downloads_as_csv_with_its_filters_and_scope(registrations, channel_manager, vendor_admin):
    acme_reg, hooli, globex_reg = registrations
    url = reverse("deals:console_queue")
    # Carl manages Acme only: Globex's registration is not his to download.
    response = client_for(channel_manager).get(url, {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["id", "partner", "customer"] and rows[0][-1] == "outside_territory"
    assert sorted(int(r[0]) for r in rows[1:]) == [acme_reg.pk, hooli.pk]
    # A typed formula is written as text, never run by the spreadsheet.
    assert next(r for r in rows[1:] if int(r[0]) == acme_reg.pk)[2] == "'=HYPERLINK(\"http://evil\")"
    filtered = client_for(vendor_admin).get(url, {"format": "csv", "q": "hooli"}).content.decode()
    assert [int(r[0]) for r in list(csv.reader(io.StringIO(filtered)))[1:]] == [hooli.pk]
    everything = client_for(vendor_admin).get(url, {"format": "csv"}).content.decode()
    assert len(list(csv.reader(io.StringIO(everything)))) == 4


def test_the_queue_downloads_as_xlsx_with_numbers_and_text(registrations, vendor_admin):
    acme_reg, hooli, globex_reg = registrations
    response = client_for(vendor_admin).get(reverse("deals:console_queue"),
                                            {"format": "xlsx", "partner": globex_reg.partner_id})
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content))["Registrations"]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == globex_reg.pk and rows[1][2] == "Globex Customer"
    assert float(rows[1][7]) == 1234.5 and rows[1][8] == "EUR"
    everything = load_workbook(io.BytesIO(client_for(vendor_admin).get(
        reverse("deals:console_queue"), {"format": "xlsx"}).content))["Registrations"]
    formula_cell = next(row for row in everything.iter_rows() if row[0].value == acme_reg.pk)[2]
    assert formula_cell.data_type == "s" and formula_cell.value.startswith("=HYPERLINK")


def test_partners_cannot_download_the_console_queue(registrations, acme_admin):
    assert client_for(acme_admin).get(reverse("deals:console_queue"), {"format": "csv"}).status_code == 403


# ---------------------------------------------------------------- portal: accepting a lead without an amount

def test_the_accept_form_asks_for_the_amount_the_vendor_left_out(active_acme, acme_rep, vendor_admin):
    lead = services.create_lead(actor=vendor_admin, data={"company_name": "Umbrella Corp", "country": "US"})
    client = client_for(acme_rep)
    url = reverse("deals:portal_lead_accept", args=[lead.pk])
    page = client.get(reverse("deals:portal_lead", args=[lead.pk])).content.decode()
    assert "The vendor gave no amount for this lead" in page
    response = client.post(url, {"amount": "", "currency": "USD"})
    assert response.status_code == 422 and "This field is required." in response.content.decode()
    response = client.post(url, {"amount": "-10", "currency": "USD"})
    assert response.status_code == 422 and not Registration.objects.exists()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.OPENED
    response = client.post(url, {"amount": "80000", "currency": "GBP"}, follow=True)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ACCEPTED and "Lead accepted" in response.content.decode()
    assert (str(lead.registration.amount), lead.registration.currency) == ("80000.00", "GBP")


def test_a_read_only_partner_role_reads_a_lead_page(active_acme, vendor_admin):
    lead = services.create_lead(actor=vendor_admin, data={"company_name": "Umbrella Corp", "country": "US"})
    support = make_user("sue@acme.test", "partner_support", partner=active_acme)
    response = client_for(support).get(reverse("deals:portal_lead", args=[lead.pk]))
    assert response.status_code == 200 and "Accept lead" not in response.content.decode()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.UNOPENED


# ---------------------------------------------------------------- lead import: the API

def test_the_api_imports_leads_all_or_nothing(active_acme, channel_manager, acme_rep):
    from conftest import api_client_for

    api = api_client_for(channel_manager)
    checked = api.post("/api/v1/leads/import", {"csv": GOOD, "dry_run": True}, content_type="application/json")
    assert checked.status_code == 200 and checked.json()["count"] == 2 and checked.json()["items"] == []
    assert not Lead.objects.exists()
    refused = api.post("/api/v1/leads/import", {"csv": BAD}, content_type="application/json")
    assert refused.status_code == 422 and {"rows.3.company_name", "rows.3.country"} <= set(refused.json()["errors"])
    assert not Lead.objects.exists()
    done = api.post("/api/v1/leads/import", {"csv": GOOD, "source": "crm-export.csv"},
                    content_type="application/json")
    assert done.status_code == 201 and done.json()["count"] == 2
    assert Lead.objects.count() == 2
    # Partner users cannot import; unreadable text is a field error, never a 500.
    partner = api_client_for(acme_rep).post("/api/v1/leads/import", {"csv": GOOD}, content_type="application/json")
    assert partner.status_code == 403 and Lead.objects.count() == 2
    empty = api.post("/api/v1/leads/import", {"csv": ""}, content_type="application/json")
    assert empty.status_code == 422 and "file" in empty.json()["errors"]
