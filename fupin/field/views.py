"""The installable phone app: its page (the app shell), its service worker and its web manifest. The service worker
is served from /field/ so its scope is the app alone; it keeps the shell and its static files for offline starts.
The households live in the page's IndexedDB, filled from the API, never in the service worker's cache.

Visits' photos are served here too, never from a public URL: only to users who may see the visit's household (a
404 otherwise, as for a missing one), as JPEG, full size or as a thumbnail for the household's page."""

import hashlib
import io
import json
import mimetypes

from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as translate
from django.views.decorators.cache import never_cache

from . import selectors
from .strings import translated

THUMBNAIL_PIXELS = 240  # the longer side of a thumbnail on the household's page

STATIC_FILES = ("field/app.js", "field/app.css", "field/icon-192.png", "field/icon-512.png", "web/fupin.css",
                "vendor/htmx.min.js")


def _shell_files() -> list[str]:
    return [reverse("web:field"), *(static(name) for name in STATIC_FILES)]


@login_required
def app(request):
    return render(request, "field/app.html", {"strings": translated()})


@login_required
@never_cache
def service_worker(request):
    files = _shell_files()
    # A new shell (another static file, another app.js) is a new cache name, so phones drop the old shell.
    body = render_to_string("field/sw.js", {"files_json": json.dumps(files), "version": hashlib.sha256(
        "".join(files).encode() + _static_fingerprint()).hexdigest()[:12], "scope": reverse("web:field")})
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("web:field")
    return response


def _static_fingerprint() -> bytes:
    from django.contrib.staticfiles import finders

    digest = hashlib.sha256()
    for name in STATIC_FILES:
        path = finders.find(name)
        if path:
            with open(path, "rb") as handle:
                digest.update(handle.read())
    return digest.digest()


@login_required
def manifest(request):
    data = {
        "name": translate("fupin field app"), "short_name": translate("fupin field"),
        "description": translate("Visits, check-ins and updates in the village, offline."),
        "start_url": reverse("web:field"), "scope": reverse("web:field"), "display": "standalone",
        "background_color": "#ffffff", "theme_color": "#b22222", "lang": request.LANGUAGE_CODE,
        "icons": [{"src": static("field/icon-192.png"), "sizes": "192x192", "type": "image/png"},
                  {"src": static("field/icon-512.png"), "sizes": "512x512", "type": "image/png"}],
    }
    return HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/manifest+json")


def _thumbnail(content: bytes) -> bytes:
    from PIL import Image

    with Image.open(io.BytesIO(content)) as image:
        image = image.convert("RGB")
        image.thumbnail((THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


@login_required
def photo(request, visit: int, number: int, thumbnail: bool = False):
    """A visit's photo (or its thumbnail) for a user who may see the household; 404 for anyone else."""
    name = selectors.visit_photo(actor=request.user, visit_id=visit, number=number)
    content_type = mimetypes.guess_type(name)[0] if name else None
    if name is None or content_type not in ("image/jpeg", "image/png") or not default_storage.exists(name):
        raise Http404
    with default_storage.open(name, "rb") as handle:
        content = handle.read()
    if thumbnail:
        try:
            content, content_type = _thumbnail(content), "image/jpeg"
        except OSError:  # not an image after all
            raise Http404 from None
    response = HttpResponse(content, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="visit-{visit}-{number}.{content_type.split("/")[1]}"'
    return response
