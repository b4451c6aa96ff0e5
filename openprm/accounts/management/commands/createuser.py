"""`openprm createuser EMAIL --role ROLE [--partner ID] [--password PASSWORD] [--name NAME]` for operators."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from openprm.accounts import services
from openprm.accounts.models import PARTNER_ROLES, Role
from openprm.lib.errors import DomainError
from openprm.partners.models import Partner


def error_text(exc: DomainError) -> str:
    """The error's message followed by what each field said, on one line."""
    details = [f"{field}: {' '.join(messages)}" for field, messages in exc.errors.items()]
    return " ".join([exc.message, *details])


class Command(BaseCommand):
    help = "Create a user (vendor staff, or a user of one partner) from the command line."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--role", required=True, help=f"One of: {', '.join(Role.values)}")
        parser.add_argument("--partner", help="Partner id (required for partner roles, refused for vendor roles)")
        parser.add_argument("--password", help="Without it the user sets one through 'Forgot your password?'")
        parser.add_argument("--name", default="", help="Full name")

    def handle(self, *args, email, role, partner=None, password=None, name="", **options):
        if role not in Role.values:
            raise CommandError(f"Unknown role '{role}'. Choose one of: {', '.join(Role.values)}.")
        if role in PARTNER_ROLES and partner is None:
            raise CommandError(f"The role {role} belongs to a partner: give --partner PARTNER_ID.")
        partner_obj = None
        if partner is not None:
            if role not in PARTNER_ROLES:
                raise CommandError(f"The role {role} is a vendor role and belongs to no partner: leave out --partner.")
            if not str(partner).isdigit():
                raise CommandError(f"--partner takes a partner id (a number), not '{partner}'.")
            partner_obj = Partner.objects.filter(pk=int(partner)).first()
            if partner_obj is None:
                raise CommandError(f"No partner with id {partner}.")
        try:
            user = services.create_user(actor=None, email=email, role=role, partner=partner_obj, full_name=name,
                                        password=password or None)
        except DomainError as exc:
            raise CommandError(error_text(exc)) from None
        where = f" of {partner_obj.name} (partner {partner_obj.pk})" if partner_obj else ""
        self.stdout.write(f"Created {user.get_role_display().lower()} {user.email}{where} (user id {user.pk}).")
        if not password:
            link = settings.SITE_URL + reverse("accounts:password_reset")
            self.stdout.write(f"No password was set and no e-mail was sent: {user.email} chooses a password "
                              f"with 'Forgot your password?' at {link}")
