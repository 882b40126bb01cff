"""`fupin <command>`: the project's commands and every Django management command, under one name."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["fupin", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
