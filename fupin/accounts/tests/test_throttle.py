"""Every login form is throttled per account and per address, and one address cannot lock everyone out."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from fupin.accounts import throttle
from fupin.testing.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = "/admin/login/"


def admin_login(client, username, password):
    return client.post(ADMIN_LOGIN, {"username": username, "password": password, "next": "/admin/"})


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_admin_login_locks_an_account_after_five_failures():
    make_user(username="nation", is_staff=True, is_superuser=True)
    client = Client()
    for _ in range(30):
        admin_login(client, "nation", "wrong")
    response = admin_login(client, "nation", PASSWORD)
    assert response.status_code == 200 and not logged_in(client)
    # from another address as well: the lock is the account's
    other = Client(REMOTE_ADDR="10.9.9.9")
    admin_login(other, "nation", PASSWORD)
    assert not logged_in(other)


def test_failures_on_the_admin_login_count_for_the_site_login_too():
    make_user(username="clerk")
    client = Client()
    for _ in range(5):
        admin_login(client, "clerk", "wrong")
    response = client.post(reverse("web:login"), {"username": "clerk", "password": PASSWORD})
    assert response.status_code == 429 and not logged_in(client)


def test_a_correct_login_resets_the_accounts_count():
    make_user(username="clerk")
    client = Client()
    for _ in range(4):
        client.post(reverse("web:login"), {"username": "clerk", "password": "wrong"})
    assert client.post(reverse("web:login"), {"username": "clerk", "password": PASSWORD}).status_code == 302
    client.logout()
    for _ in range(4):
        client.post(reverse("web:login"), {"username": "clerk", "password": "wrong"})
    assert client.post(reverse("web:login"), {"username": "clerk", "password": PASSWORD}).status_code == 302


def test_five_failures_behind_a_shared_proxy_lock_only_that_account():
    for name in ("clerk", "cadre", "approver"):
        make_user(username=name)
    proxy = Client(REMOTE_ADDR="192.0.2.1")
    for _ in range(5):
        proxy.post(reverse("web:login"), {"username": "clerk", "password": "wrong"})
    for name in ("cadre", "approver"):
        office = Client(REMOTE_ADDR="192.0.2.1")
        assert office.post(reverse("web:login"), {"username": name, "password": PASSWORD}).status_code == 302


@override_settings(FUPIN_LOGIN_MAX_FAILURES_PER_ADDRESS=10)
def test_an_address_spraying_passwords_is_locked_for_accounts_not_known_there():
    make_user(username="known")
    make_user(username="newcomer")
    office = Client(REMOTE_ADDR="192.0.2.7")
    assert office.post(reverse("web:login"), {"username": "known", "password": PASSWORD}).status_code == 302
    attacker = Client(REMOTE_ADDR="192.0.2.7")
    for n in range(10):  # two tries each at five accounts: no account reaches its own limit
        attacker.post(reverse("web:login"), {"username": f"guess{n % 5}", "password": "wrong"})
    refused = Client(REMOTE_ADDR="192.0.2.7").post(reverse("web:login"),
                                                   {"username": "newcomer", "password": PASSWORD})
    assert refused.status_code == 429
    # the office's user, known at this address, still logs in; the newcomer does from elsewhere
    assert Client(REMOTE_ADDR="192.0.2.7").post(
        reverse("web:login"), {"username": "known", "password": PASSWORD}).status_code == 302
    assert Client(REMOTE_ADDR="198.51.100.3").post(
        reverse("web:login"), {"username": "newcomer", "password": PASSWORD}).status_code == 302


@override_settings(LOGIN_THROTTLE={"max_failures": 3, "window_seconds": 60})
def test_the_limits_are_settings():
    make_user(username="clerk")
    client = Client()
    for _ in range(3):
        client.post(reverse("web:login"), {"username": "clerk", "password": "wrong"})
    assert client.post(reverse("web:login"), {"username": "clerk", "password": PASSWORD}).status_code == 429


def test_a_lock_ends_with_its_window():
    throttle._fail(throttle._account_key("clerk"), 1, 1000.0)
    assert throttle.account_locked("clerk", now=1000.0 + 899)
    assert not throttle.account_locked("clerk", now=1000.0 + 901)
