"""Operator commands: `openprm createuser` and `openprm createtoken`."""

import os
import subprocess
import sys
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client

from openprm.accounts.models import ApiToken, User
from openprm.audit.models import AuditEvent

STRONG = "Plenty-long-passphrase-42"


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


# ---------------------------------------------------------------- createuser


def test_it_creates_vendor_staff_who_can_sign_in(db):
    out = run("createuser", "Fiona@Vendor.test", "--role", "finance", "--password", STRONG, "--name", "Fiona F")
    user = User.objects.get(email="fiona@vendor.test")
    assert (user.role, user.partner, user.full_name) == ("finance", None, "Fiona F")
    assert "Created finance fiona@vendor.test" in out
    assert authenticate(email="fiona@vendor.test", password=STRONG) == user
    event = AuditEvent.objects.for_object(user).get(verb="user.created")
    assert event.actor_label == "cli"


def test_program_admins_get_django_admin_access(db):
    run("createuser", "root@vendor.test", "--role", "admin", "--password", STRONG)
    user = User.objects.get(email="root@vendor.test")
    assert user.is_staff and user.is_superuser


def test_it_creates_a_partner_user(acme):
    out = run("createuser", "pat@acme.test", "--role", "partner_sales", "--partner", str(acme.pk),
              "--password", STRONG)
    user = User.objects.get(email="pat@acme.test")
    assert user.partner == acme and user.role == "partner_sales"
    assert f"of Acme Systems (partner {acme.pk})" in out


def test_without_a_password_nobody_can_sign_in_yet_and_nothing_is_sent(db):
    out = run("createuser", "sam@vendor.test", "--role", "support")
    user = User.objects.get(email="sam@vendor.test")
    assert not user.has_usable_password()
    assert "Forgot your password?" in out and "/password-reset/" in out
    assert mail.outbox == []


@pytest.mark.parametrize("args, message", [
    (["--role", "wizard"], "Unknown role 'wizard'"),
    (["--role", "partner_admin"], "give --partner"),
    (["--role", "partner_admin", "--partner", "999999"], "No partner with id 999999"),
    (["--role", "partner_admin", "--partner", "acme"], "takes a partner id"),
    (["--role", "channel_manager", "--partner", "{acme}"], "vendor role and belongs to no partner"),
    (["--role", "finance", "--password", "short"], "too weak"),
    (["--role", "finance", "--password", "password123"], "too common"),
])
def test_it_refuses_bad_input_with_a_clear_message(acme, args, message):
    users = User.objects.count()
    args = [a.format(acme=acme.pk) for a in args]
    with pytest.raises(CommandError, match=message):
        run("createuser", "new@vendor.test", *args)
    assert User.objects.count() == users


def test_it_refuses_a_bad_email(db):
    with pytest.raises(CommandError, match="valid e-mail"):
        run("createuser", "not-an-email", "--role", "finance")
    assert not User.objects.exists()


def test_it_refuses_a_duplicate_email_whatever_its_case(vendor_admin):
    with pytest.raises(CommandError, match="already exists"):
        run("createuser", "ADA@vendor.test", "--role", "finance", "--password", STRONG)
    assert User.objects.filter(email__iexact="ada@vendor.test").count() == 1


def test_errors_exit_non_zero_without_a_traceback(tmp_path):
    env = {**os.environ, "OPENPRM_TESTING": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}
    result = subprocess.run([sys.executable, "-m", "openprm.cli", "createuser", "x@vendor.test", "--role", "wizard"],
                            capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 1
    assert "CommandError: Unknown role 'wizard'" in result.stderr
    assert "Traceback" not in result.stderr


# ---------------------------------------------------------------- createtoken


def test_createtoken_prints_a_token_alone_on_the_last_line_that_works_on_the_api(acme_rep):
    out = run("createtoken", "Rick@Acme.test", "--name", "CRM sync")
    lines = out.strip().splitlines()
    assert len(lines) >= 2 and "CRM sync" in lines[0]
    secret = lines[-1]
    assert secret.startswith(ApiToken.PREFIX) and " " not in secret
    response = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/me")
    assert response.status_code == 200
    me = response.json()
    assert (me["id"], me["email"], me["role"], me["partner"]) == (acme_rep.pk, "rick@acme.test", "partner_sales",
                                                                  acme_rep.partner_id)
    token = ApiToken.objects.get(user=acme_rep)
    assert token.name == "CRM sync" and token.token_hash != secret
    assert AuditEvent.objects.for_object(token).get(verb="api_token.created").actor_label == "cli"


def test_each_createtoken_gives_a_new_token(vendor_admin):
    first = run("createtoken", vendor_admin.email).strip().splitlines()[-1]
    second = run("createtoken", vendor_admin.email).strip().splitlines()[-1]
    assert first != second
    assert ApiToken.objects.filter(user=vendor_admin).count() == 2


def test_createtoken_refuses_unknown_and_deactivated_users(vendor_admin, acme_rep):
    with pytest.raises(CommandError, match="No user with e-mail nobody@vendor.test"):
        run("createtoken", "nobody@vendor.test")
    User.objects.filter(pk=acme_rep.pk).update(is_active=False)
    with pytest.raises(CommandError, match="deactivated"):
        run("createtoken", acme_rep.email)
    assert not ApiToken.objects.exists()


def test_createtoken_refuses_an_overlong_name(vendor_admin):
    with pytest.raises(CommandError, match="Name too long"):
        run("createtoken", vendor_admin.email, "--name", "x" * 101)
    assert not ApiToken.objects.exists()
