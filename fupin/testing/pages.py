"""What the page tests of every app share: logging a user of an area in, and reading what a page shows."""

from django.utils import translation
from django.utils.html import escape

from fupin.audit.models import AuditEvent

from .factories import make_user


def log_in_as(client, area, actions=("view", "change")):
    """`client` logged in as a new user holding `actions` in `area`."""
    client.force_login(make_user(actions=list(actions), area=area))
    return client


def shown(text, **params):
    """A message as the page shows it (the site's language, HTML-escaped)."""
    with translation.override("zh-hans"):
        return escape(str(text) % params if params else str(text))


def in_form(response, name: str) -> str:
    """The HTML of the form named `name` on the page."""
    page = response.content.decode()
    return page.split(f'id="form-{name}"', 1)[1].split("</form>", 1)[0]


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))
