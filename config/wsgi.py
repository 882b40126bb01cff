"""The WSGI entry point of deployments (`fupin serve`, or any WSGI server given `config.wsgi:application`).

It defaults to the production settings, so a server started without DJANGO_SETTINGS_MODULE never runs with DEBUG or
the development key; the `fupin` command (and so `make demo`'s `fupin runserver`) sets the development settings
itself before this module is imported.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()
