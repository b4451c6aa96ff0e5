"""The page-action helper: one mapping of a service's answer to a page's answer."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory

from openprm.lib.errors import Conflict, NotAllowed, ValidationFailed
from openprm.lib.pages import page_action, refusal_on_form, safe_next


class NameForm(forms.Form):
    name = forms.CharField(max_length=10)


def post(data=None):
    request = RequestFactory().post("/somewhere/", data or {})
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def flashed(request) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in get_messages(request)]


def show(form):
    return HttpResponse(f"form again: {form.errors.as_text()}", status=200)


def test_success_flashes_and_redirects_to_the_url_built_from_the_result():
    request = post({"name": "Acme"})
    response = page_action(request, lambda data: data["name"].upper(), form=NameForm(request.POST),
                           show_form=show, success=lambda r: f"Saved {r}.", redirect_to=lambda r: f"/done/{r}/")
    assert (response.status_code, response.url) == (302, "/done/ACME/")
    assert flashed(request) == [("success", "Saved ACME.")]


def test_an_invalid_form_is_shown_again_and_the_service_is_not_called():
    calls = []
    request = post({"name": "x" * 11})
    response = page_action(request, calls.append, form=NameForm(request.POST), show_form=show, redirect_to="/x/")
    assert response.status_code == 200 and b"form again" in response.content
    assert calls == []


def test_field_errors_of_a_refusal_land_on_the_form():
    def refuse(data):
        raise ValidationFailed("Please correct it.", errors={"name": ["Taken."]})

    request = post({"name": "Acme"})
    response = page_action(request, refuse, form=NameForm(request.POST), show_form=show, redirect_to="/x/")
    assert response.status_code == 200 and b"Taken." in response.content


def test_a_form_with_its_own_apply_error_places_the_refusal_itself():
    class RenamingForm(NameForm):
        def apply_error(self, exc):
            self.add_error("name", f"On the page: {exc.errors['service_name'][0]}")

    def refuse(data):
        raise ValidationFailed("Please correct it.", errors={"service_name": ["Taken."]})

    request = post({"name": "Acme"})
    response = page_action(request, refuse, form=RenamingForm(request.POST), show_form=show, redirect_to="/x/")
    assert response.status_code == 200 and b"On the page: Taken." in response.content


def test_a_refusal_without_fields_is_flashed_and_redirects():
    def refuse():
        raise Conflict("Already done.")

    request = post()
    response = page_action(request, refuse, success="never", redirect_to="/back/")
    assert (response.status_code, response.url) == (302, "/back/")
    assert flashed(request) == [("error", "Already done.")]


def test_a_page_may_answer_a_refusal_its_own_way_or_leave_it_to_the_usual_mapping():
    def refuse(data):
        raise Conflict("Slow down.", errors={"name": ["Too many tries."]})

    def own_answer(exc):
        return HttpResponse(exc.message, status=429) if "name" in exc.errors else None

    request = post({"name": "Acme"})
    response = page_action(request, refuse, form=NameForm(request.POST), show_form=show, redirect_to="/x/",
                           on_refusal=own_answer)
    assert (response.status_code, response.content) == (429, b"Slow down.")

    request = post({"name": "Acme"})
    response = page_action(request, refuse, form=NameForm(request.POST), show_form=show, redirect_to="/x/",
                           on_refusal=lambda exc: None)
    assert response.status_code == 200 and b"Too many tries." in response.content


def test_a_form_page_shows_a_refusal_without_fields_on_the_form_instead_of_redirecting():
    def refuse(data):
        raise Conflict("Already done.")

    request = post({"name": "Acme"})
    form = NameForm(request.POST)
    response = page_action(request, refuse, form=form, show_form=show, redirect_to="/x/",
                           on_refusal=refusal_on_form(form, show))
    assert response.status_code == 200 and b"Already done." in response.content
    assert flashed(request) == []


def test_not_allowed_is_the_403_page_even_for_a_page_with_its_own_refusal_answer():
    def refuse():
        raise NotAllowed("Not yours.")

    with pytest.raises(PermissionDenied):
        page_action(post(), refuse, redirect_to="/x/", on_refusal=lambda exc: HttpResponse("mine"))


def test_success_may_name_its_level():
    from django.contrib import messages

    request = post()
    page_action(request, lambda: "held", success=lambda r: (messages.WARNING, f"Saved, but {r}."), redirect_to="/x/")
    assert flashed(request) == [("warning", "Saved, but held.")]


def test_a_flashed_refusal_may_be_worded_by_the_page():
    def refuse():
        raise Conflict("Already done.")

    request = post()
    page_action(request, refuse, redirect_to="/back/", refusal=lambda exc: f"#7 Acme: {exc.message}")
    assert flashed(request) == [("error", "#7 Acme: Already done.")]


def test_a_refusal_shown_on_the_form_is_kept_on_it():
    refused = ValidationFailed("Please correct it.", errors={"name": ["Taken."]})

    def refuse(data):
        raise refused

    request = post({"name": "Acme"})
    form = NameForm(request.POST)
    page_action(request, refuse, form=form, show_form=show, redirect_to="/x/")
    assert form.refusal is refused


def test_not_allowed_is_the_403_page():
    def refuse():
        raise NotAllowed("Not yours.")

    with pytest.raises(PermissionDenied):
        page_action(post(), refuse, redirect_to="/x/")


@pytest.mark.parametrize("target, expected", [
    ("/console/deals/?status=submitted", "/console/deals/?status=submitted"),
    ("https://evil.example/", "/fallback/"),
    ("//evil.example/", "/fallback/"),
    ("", "/fallback/"),
])
def test_next_is_followed_only_on_this_site(target, expected):
    assert safe_next(post({"next": target}), "/fallback/") == expected


def test_a_form_may_place_a_refusal_itself():
    class OwnPlacement(NameForm):
        def apply_error(self, exc):
            self.add_error("name", "Placed by the form.")

    def refuse(data):
        raise ValidationFailed("Please correct it.", errors={"rates.0": ["Too high."]})

    request = post({"name": "Acme"})
    response = page_action(request, refuse, form=OwnPlacement(request.POST), show_form=show, redirect_to="/x/")
    assert response.status_code == 200 and b"Placed by the form." in response.content


class InstanceNameForm(NameForm):
    """A form that takes `instance` like a ModelForm, as `form_page` passes it."""

    def __init__(self, data=None, instance=None):
        super().__init__(data, initial={"name": instance})


@pytest.fixture
def rendered(monkeypatch):
    from openprm.lib import pages

    calls = []
    monkeypatch.setattr(pages, "render", lambda request, template, context: calls.append((template, context))
                        or HttpResponse(f"{template}: {context['form'].errors.as_text()}"))
    return calls


def test_form_page_shows_the_form_on_get(rendered):
    from openprm.lib.pages import form_page

    request = RequestFactory().get("/settings/")
    response = form_page(request, form_class=InstanceNameForm, instance="Acme", template="t.html",
                         context={"tab": "x"}, call=lambda data: None, success="Saved.")
    assert response.status_code == 200
    (template, context), = rendered
    assert (template, context["tab"], context["form"].initial) == ("t.html", "x", {"name": "Acme"})


def test_form_page_saves_and_redirects_to_itself_or_shows_errors(rendered):
    from openprm.lib.pages import form_page

    saved = []
    request = post({"name": "Globex"})
    response = form_page(request, form_class=InstanceNameForm, instance="Acme", template="t.html", context={},
                         call=saved.append, success="Saved.")
    assert (response.status_code, response.url, saved) == (302, "/somewhere/", [{"name": "Globex"}])
    assert flashed(request) == [("success", "Saved.")]
    response = form_page(post({"name": "x" * 11}), form_class=InstanceNameForm, instance="Acme",
                         template="t.html", context={}, call=saved.append, success="Saved.")
    assert response.status_code == 200 and b"at most 10 characters" in response.content
    assert len(saved) == 1


# ---------------------------------------------------------------- bulk actions (issue 10, item 13)

def test_bulk_run_keeps_going_after_a_refusal_and_undoes_only_that_row(db, vendor_admin, acme, globex):
    """Each row in its own transaction: the refused row's partial write is undone, the others stay."""
    from openprm.lib.bulk import run_each
    from openprm.lib.errors import ValidationFailed
    from openprm.partners.models import Partner

    def rename(partner):
        Partner.objects.filter(pk=partner.pk).update(name=partner.name + " (renamed)")
        if partner.pk == acme.pk:
            raise ValidationFailed("Acme may not be renamed.")

    outcome = run_each([acme, globex], rename, label=lambda p: p.name)
    assert outcome.done == ["Globex GmbH"]
    assert outcome.failed == [("Acme Systems", "Acme may not be renamed.")]
    assert set(Partner.objects.values_list("name", flat=True)) == {"Acme Systems", "Globex GmbH (renamed)"}


def test_bulk_action_refuses_more_than_the_cap_and_names_at_most_ten_failures(rf, db):
    from django.contrib.messages.storage.fallback import FallbackStorage

    from openprm.lib.bulk import MAX_ROWS, bulk_action, failure_text
    from openprm.partners.models import Partner

    request = rf.post("/console/partners/bulk/", {"ids": [str(i) for i in range(1, MAX_ROWS + 2)]})
    request.session = {}
    request._messages = FallbackStorage(request)
    called = []
    response = bulk_action(request, queryset=Partner.objects.all(), call=called.append, label=str,
                           done=lambda n: f"{n} done", redirect_to="/console/partners/")
    assert response.status_code == 302 and not called
    assert [str(m) for m in request._messages] == [f"Select at most {MAX_ROWS} rows at a time; 501 were selected."]
    text = failure_text([(f"#{i}", "no") for i in range(12)])
    assert text.startswith("12 not done: #0: no #1: no") and text.endswith("…and 2 more.") and "#10" not in text
