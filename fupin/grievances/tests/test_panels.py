"""The complaints' panels in the frame: the statistics on the home page and the dashboard, the overdue complaints
on the home page and in the inbox — for a complaints officer (and the administrator), not for other users, who
see the pages as before."""

import pytest
from django.test import Client

from .test_grievances import COUNTY, day, file, world  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db
PAGES = ("/", "/inbox/", f"/dashboard/{COUNTY}/")


def page(user, url: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def test_the_panels_render_for_a_complaints_officer_and_not_for_others(world, day):  # noqa: F811
    day.set("2026-11-02")
    ticket = file(world["county"])  # received 2026-11-02: reply due 60 days later, 2027-01-01
    day.set("2027-01-05")  # four days overdue
    officer, county = world["officer"], world["county"]
    home = page(officer, "/")
    assert 'id="grievances-overdue"' in home and ticket.tracking_number in home
    assert 'id="grievance-statistics"' in home
    inbox = page(officer, "/inbox/")
    assert 'id="grievances-overdue"' in inbox and ticket.tracking_number in inbox
    assert 'id="grievance-statistics"' not in inbox
    dashboard = page(officer, f"/dashboard/{COUNTY}/")
    assert 'id="grievance-statistics"' in dashboard
    assert 'id="grievances-overdue"' not in dashboard
    assert ticket.tracking_number in page(world["admin"], "/")
    # The county's user handles the same office, but holds no complaints role: the pages show no panel.
    for url in PAGES:
        html = page(county, url)
        assert 'id="grievances-overdue"' not in html and 'id="grievance-statistics"' not in html, url
        assert ticket.tracking_number not in html, url
