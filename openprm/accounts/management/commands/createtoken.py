"""`openprm createtoken EMAIL [--name NAME]`: a personal API token; the token alone is the last line."""

from django.core.management.base import BaseCommand, CommandError

from openprm.accounts import services
from openprm.accounts.models import User
from openprm.lib.errors import DomainError


class Command(BaseCommand):
    help = "Create an API token for an active user and print it (shown once; only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", default="Command line", help="What the token is for (default 'Command line')")

    def handle(self, *args, email, name="Command line", **options):
        user = User.objects.filter(email=(email or "").strip().lower()).first()
        if user is None:
            raise CommandError(f"No user with e-mail {email}.")
        if not user.is_active:
            raise CommandError(f"The user {user.email} is deactivated; tokens are only for active users.")
        try:
            token, secret = services.create_token(actor=None, user=user, name=name)
        except DomainError as exc:
            details = " ".join(m for messages in exc.errors.values() for m in messages)
            raise CommandError(f"{exc.message} {details}".strip()) from None
        self.stdout.write(f"Created API token '{token.name}' for {user.email} (id {token.pk}). "
                          "It is shown once; send it as 'Authorization: Bearer <token>'.")
        self.stdout.write(secret)
