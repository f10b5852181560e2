"""The ``medmissions`` console command: manage.py for an installed medmissions.

``medmissions runserver``, ``medmissions migrate``, ``medmissions seed-demo`` … Dashes in a
command name are accepted as well as underscores.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medmissions.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "medmissions"
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
