"""Personal API tokens: shown once, stored hashed, revocable, stamped when used."""

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from conftest import client_for
from openprm.accounts import services
from openprm.accounts.models import ApiToken, hash_secret
from openprm.audit.models import AuditEvent


def bearer(secret) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_the_secret_is_returned_once_and_only_its_hash_is_stored(acme_admin):
    token, secret = services.create_token(actor=acme_admin, user=acme_admin, name="CRM sync")
    assert secret.startswith("oprm_") and len(secret) > 40
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert secret not in str(row)
    assert row["token_hash"] == hash_secret(secret)
    assert row["hint"] == secret[:12]
    event = AuditEvent.objects.get(verb="api_token.created", object_id=str(token.pk))
    assert secret not in str(event.changes)


def test_a_token_authenticates_its_user_and_stamps_last_use(acme_admin):
    token, secret = services.create_token(actor=acme_admin, user=acme_admin, name="CRM sync")
    assert token.last_used_at is None
    response = bearer(secret).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["email"] == "alice@acme.test"
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_last_use_is_stamped_at_most_once_a_minute(acme_admin):
    token, secret = services.create_token(actor=acme_admin, user=acme_admin, name="CRM sync")
    earlier = timezone.now() - timedelta(seconds=20)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=earlier)
    bearer(secret).get("/api/v1/me")
    token.refresh_from_db()
    assert token.last_used_at == earlier
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - timedelta(minutes=5))
    bearer(secret).get("/api/v1/me")
    token.refresh_from_db()
    assert timezone.now() - token.last_used_at < timedelta(seconds=30)


def test_a_revoked_token_is_refused(acme_admin):
    token, secret = services.create_token(actor=acme_admin, user=acme_admin, name="CRM sync")
    services.revoke_token(actor=acme_admin, token=token)
    response = bearer(secret).get("/api/v1/me")
    assert response.status_code == 401
    assert AuditEvent.objects.filter(verb="api_token.revoked", object_id=str(token.pk)).exists()


def test_an_inactive_users_token_is_refused(acme_admin):
    _, secret = services.create_token(actor=acme_admin, user=acme_admin, name="CRM sync")
    acme_admin.is_active = False
    acme_admin.save()
    assert bearer(secret).get("/api/v1/me").status_code == 401


def test_garbage_tokens_are_refused(db):
    for header in ("Bearer oprm_nope", "Bearer nope", "Basic abc", "Bearer "):
        assert Client(HTTP_AUTHORIZATION=header).get("/api/v1/me").status_code == 401


def test_tokens_api_shows_secrets_once(acme_admin):
    _, secret = services.create_token(actor=None, user=acme_admin, name="bootstrap")
    client = bearer(secret)
    created = client.post("/api/v1/tokens", {"name": "CI"}, content_type="application/json")
    assert created.status_code == 201
    new_secret = created.json()["token"]
    assert bearer(new_secret).get("/api/v1/me").status_code == 200
    listed = client.get("/api/v1/tokens").json()
    assert {t["name"] for t in listed} == {"bootstrap", "CI"}
    assert new_secret not in str(listed) and secret not in str(listed)
    assert client.post("/api/v1/tokens", {"name": ""}, content_type="application/json").status_code == 422
    revoked = client.post(f"/api/v1/tokens/{created.json()['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert bearer(new_secret).get("/api/v1/me").status_code == 401


def test_another_persons_token_cannot_be_revoked(acme_admin, acme_rep):
    token, secret = services.create_token(actor=acme_admin, user=acme_admin, name="mine")
    response = client_for(acme_rep).post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == 404
    _, rep_secret = services.create_token(actor=acme_rep, user=acme_rep, name="rep")
    assert bearer(rep_secret).post(f"/api/v1/tokens/{token.pk}/revoke").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert bearer(secret).get("/api/v1/me").status_code == 200


def test_the_account_page_shows_a_new_token_once(acme_admin):
    client = client_for(acme_admin)
    client.post("/account/tokens/", {"name": "Zapier"})
    first = client.get("/account/").content.decode()
    secret = next(word for word in first.replace("<", " ").replace(">", " ").split() if word.startswith("oprm_"))
    assert bearer(secret).get("/api/v1/me").status_code == 200
    assert secret not in client.get("/account/").content.decode()
