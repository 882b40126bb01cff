"""The ASGI entry point (`config.asgi:application`) for ASGI servers; production settings by default, as in wsgi.

`fupin serve` (gunicorn, WSGI) is the supported server; this module lets an office that runs an ASGI server
(uvicorn, granian, daphne) use it without a settings module of its own.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_asgi_application()
