"""The `openprm` command: Django management with the OpenPRM settings preset."""

import os
import sys


def main() -> None:
    """Run a management command, e.g. `openprm migrate` or `openprm demo`."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openprm.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["openprm", *sys.argv[1:]])


if __name__ == "__main__":
    main()
