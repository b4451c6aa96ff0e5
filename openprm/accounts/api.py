"""API: who am I, people, invitations, personal tokens."""

from django.db.models import Q
from django.shortcuts import get_object_or_404
from ninja import Router, Status
from ninja.pagination import paginate

from openprm.accounts.scoping import get_scoped_or_404
from openprm.api.auth import auth_allowing
from openprm.lib.pagination import Page
from openprm.lib.params import DbInt
from openprm.partners.models import Partner

from . import services
from .models import READ_ONLY_VENDOR_ROLES, ApiToken, Invitation, User
from .schemas import (
    InvitationIn,
    InvitationOut,
    MeOut,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
    UserOut,
    UserPatch,
)

router = Router(tags=["people"])


@router.get("/me", response=MeOut)
def me(request):
    """The signed-in user: id, e-mail, role and partner id (null for vendor staff)."""
    return request.user


@router.get("/users", response=list[UserOut])
@paginate(Page)
def list_users(request, partner: DbInt | None = None, role: str | None = None, q: str | None = None):
    """People the caller may see: its own partner's, its partners', or everyone for program admins."""
    users = User.objects.for_user(request.user)
    if partner is not None:
        users = users.filter(partner_id=partner)
    if role:
        users = users.filter(role=role)
    if q:
        users = users.filter(Q(email__icontains=q) | Q(full_name__icontains=q))
    return users.order_by("email")


@router.get("/users/{user_id}", response=UserOut)
def get_user(request, user_id: int):
    return get_scoped_or_404(User, request.user, pk=user_id)


@router.patch("/users/{user_id}", response=UserOut)
def patch_user(request, user_id: int, payload: UserPatch):
    user = get_scoped_or_404(User, request.user, pk=user_id)
    return services.update_user(actor=request.user, user=user, **payload.dict(exclude_unset=True))


@router.get("/invitations", response=list[InvitationOut])
@paginate(Page)
def list_invitations(request, partner: DbInt | None = None):
    invitations = Invitation.objects.for_user(request.user)
    if partner is not None:
        invitations = invitations.filter(partner_id=partner)
    return invitations


@router.post("/invitations", response={201: InvitationOut})
def create_invitation(request, payload: InvitationIn):
    """Invite someone; partner admins invite to their own partner (the `partner` field may be omitted)."""
    partner = None
    partner_id = payload.partner if payload.partner is not None else request.user.partner_id
    if partner_id is not None:
        partner = get_scoped_or_404(Partner, request.user, pk=partner_id)
    invitation, _ = services.invite(actor=request.user, email=payload.email, role=payload.role, partner=partner,
                                    full_name=payload.full_name)
    return Status(201, invitation)


@router.post("/invitations/{invitation_id}/revoke", response=InvitationOut)
def revoke_invitation(request, invitation_id: int):
    invitation = get_scoped_or_404(Invitation, request.user, pk=invitation_id)
    return services.revoke_invitation(actor=request.user, invitation=invitation)


@router.get("/tokens", response=list[TokenOut])
def list_tokens(request):
    """The caller's own API tokens (never their secrets)."""
    return request.user.api_tokens.all()


# Personal tokens are the caller's own account: every role manages its own, read-only ones included.
OWN_ACCOUNT = auth_allowing(*READ_ONLY_VENDOR_ROLES)


@router.post("/tokens", response={201: TokenCreatedOut}, auth=OWN_ACCOUNT)
def create_token(request, payload: TokenIn):
    token, secret = services.create_token(actor=request.user, user=request.user, name=payload.name)
    token.token = secret
    return Status(201, token)


@router.post("/tokens/{token_id}/revoke", response=TokenOut, auth=OWN_ACCOUNT)
def revoke_token(request, token_id: int):
    # Tokens are personal: looking them up through the caller's own set keeps others' tokens a 404.
    token = get_object_or_404(ApiToken.objects.filter(user=request.user), pk=token_id)
    return services.revoke_token(actor=request.user, token=token)
