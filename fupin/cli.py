"""`fupin <command>`: the project's commands and every Django management command, under one name."""

import os
import sys

# `fupin serve` is the production server and defaults to the production settings; every other command defaults to
# the development ones (the demo, a developer's shell). DJANGO_SETTINGS_MODULE, when set, wins for all of them.
PRODUCTION_COMMANDS = {"serve"}


def main(argv: list[str] | None = None) -> None:
    arguments = sys.argv[1:] if argv is None else argv
    production = bool(arguments) and arguments[0] in PRODUCTION_COMMANDS
    os.environ.setdefault("DJANGO_SETTINGS_MODULE",
                          "config.settings.production" if production else "config.settings.dev")
    from django.apps import apps
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["fupin", *arguments])
    except ImproperlyConfigured as error:
        if settings.configured and apps.ready:
            raise  # found while a command ran: its traceback says where
        # The settings or an app refused to start (production without a secret key, say): the reason, no traceback.
        sys.exit(f"fupin: {error}")


if __name__ == "__main__":
    main()
