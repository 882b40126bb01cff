"""The reporter's receipt as a PDF: it opens, holds the tracking number, the category and the deadline, and never
the reporter's identity, even for the officer who may see it on the page; outside the office it is a 404."""

import io

import pytest
from django.test import Client
from pypdf import PdfReader

from .test_grievances import SECRET_NAME, SECRET_PHONE, day, file, world  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def pdf_text(user, url: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def test_the_receipt_opens_with_the_tracking_number_and_no_reporter(world, day):  # noqa: F811
    day.set("2026-11-02")
    ticket = file(world["county"])  # received 2026-11-02, reply due 60 days later: 2027-01-01
    url = f"/grievances/{ticket.pk}/receipt.pdf"
    for user in (world["officer"], world["county"]):
        text = pdf_text(user, url).replace(" ", "")
        assert ticket.tracking_number in text and "2026-11-02" in text and "2027-01-01" in text
        assert SECRET_NAME not in text and SECRET_PHONE not in text
    outsider = Client()
    outsider.force_login(world["other"])  # another county's office
    assert outsider.get(url).status_code == 404
