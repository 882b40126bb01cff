"""Visits' photos are served only to users who may see the household (404 for anyone else, as for a missing one),
as JPEG, full size and as a thumbnail of at most 240 px, and the household's page shows the thumbnails."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from fupin.assistance.models import HouseholdVisit
from fupin.testing.factories import make_user

from .test_sync import client_for, sync, visit
from .world import SANHE, build_world, jpeg_data_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def synced():
    world = build_world()
    entry = visit(world.households[0], world.cadre)
    entry["data"]["photos"] = [jpeg_data_url(640, 480), jpeg_data_url(320, 240)]
    assert sync(client_for(world.user), entry)[0]["outcome"] == "applied"
    return world, HouseholdVisit.objects.get(household=world.households[0])


def web_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_household_s_users_get_the_photo_and_its_thumbnail(synced):
    world, stored = synced
    client = web_client(world.user)
    full = client.get(reverse("web:field-photo", args=[stored.pk, 1]))
    assert full.status_code == 200 and full["Content-Type"] == "image/jpeg"
    assert full["Cache-Control"] == "private, max-age=3600" and full["X-Content-Type-Options"] == "nosniff"
    with Image.open(io.BytesIO(full.content)) as image:
        assert (image.format, image.size) == ("JPEG", (640, 480))
    thumb = client.get(reverse("web:field-photo-thumbnail", args=[stored.pk, 1]))
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(thumb.content)) as image:
        assert (image.format, image.size) == ("JPEG", (240, 180))  # 640 × 480 scaled by 240/640
    with Image.open(io.BytesIO(client.get(reverse("web:field-photo", args=[stored.pk, 2])).content)) as image:
        assert image.size == (320, 240)
    assert client.get(reverse("web:field-photo", args=[stored.pk, 3])).status_code == 404
    assert client.get(reverse("web:field-photo", args=[stored.pk, 0])).status_code == 404
    page = client.get(reverse("web:household", args=[world.households[0].pk])).content.decode()
    for number in (1, 2):
        assert reverse("web:field-photo-thumbnail", args=[stored.pk, number]) in page
        assert reverse("web:field-photo", args=[stored.pk, number]) in page


def test_an_outsider_gets_404_and_an_anonymous_user_the_login(synced):
    _world, stored = synced
    outsider = make_user(actions=["view", "change"], area=SANHE)
    for name in ("web:field-photo", "web:field-photo-thumbnail"):
        url = reverse(name, args=[stored.pk, 1])
        assert web_client(outsider).get(url).status_code == 404
        assert web_client(make_user()).get(url).status_code == 404  # no grant at all
        anonymous = Client().get(url)
        assert anonymous.status_code == 302 and anonymous.content == b""


def test_a_photo_outside_the_field_folder_is_not_served(synced):
    world, stored = synced
    stored.photos = ["../settings.py"]
    stored.save(update_fields=["photos"])
    assert web_client(world.user).get(reverse("web:field-photo", args=[stored.pk, 1])).status_code == 404
