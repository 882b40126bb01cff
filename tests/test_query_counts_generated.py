"""Every list and page costs a pinned number of queries, and no more when there are more rows (no N+1).

Each list operation of the OpenAPI schema (a GET on a collection) and each page of the URL map is requested as the
editor of 泸水市 over tests/api_world (URL arguments filled from its rows as the generated permission test does).
The home county then gets a second batch of the same rows (`api_world.grow`) and every route is requested again:
it must run as many statements as before, and that number must be the one pinned in tests/query_counts.json.
Statements are counted as fupin/testing/query_counts.py counts them (savepoints left out), so the numbers are the
same on SQLite and PostgreSQL. A new route, a route gone or a count changed fails, saying how to re-pin.

Pages are requested with a session (`force_login`), API lists with DRF's forced authentication. What is not a
page, what answers other than 200, which lists cannot grow or stay empty, and the N+1s found and not yet fixed are
declared in the tables below, each with why; a declaration that no longer holds fails too.
"""

from functools import cache
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from django.test import Client
from django.urls import resolve, reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from fupin.testing.factories import make_user
from fupin.testing.query_counts import PIN_ENV, Pins, growth, measure
from fupin.workflows.models import ProcedureStep
from tests.api_world import HOME_COUNTY, HOME_SECOND_VILLAGE, HOME_VILLAGE, add_derived_rows, build_world, grow
from tests.test_permissions_generated import fill_path, page_url, resource_of, url_map

PINS = Path(__file__).with_name("query_counts.json")
PROCEDURE = "household_exit"  # whose steps the policy-step pages edit
REPIN = f"{PIN_ENV}=1 pytest tests/test_query_counts_generated.py"

# Routes of the URL map that are not a list or a page, so have no count to pin. Each says why.
NOT_PAGES = {
    "set_language": "Django's POST-only language switch",
    "web:logout": "ends the session the test is using",
    "web:inbox-approve": "POST-only: approves the checked cases",
    "web:case-decide": "POST-only: records a case decision",
    "web:case-start": "POST-only: starts a procedure",
    "web:notice-publish": "POST-only: publishes a notice",
    "web:objection-resolve": "POST-only: resolves an objection",
    "web:pairing-end": "POST-only: ends a pairing",
    "web:pairing-add": "the add form's target: a GET only redirects to the pairings page",
    "web:field-photo": "a visit's photo, a JPEG file (scoping tested in fupin/field/tests/test_photos.py)",
    "web:field-photo-thumbnail": "a visit photo's thumbnail, a JPEG file",
}
# Whole parts of the URL map that are not pages of the application: the REST API is measured from its schema
# (its list operations: the detail, action and file routes are not lists), its schema and docs are generated
# documents, and the Django admin is Django's. The DCI endpoints are a protocol's POSTs (their own tests in
# fupin/dci/tests exercise every one, and the public key document is one file).
NOT_PAGE_PREFIXES = ("api/", "admin/", "dci/")

# The value of each required query parameter of a list (a report's area and period, a search's words), within the
# home county's rows; an enumeration takes the value that lists households.
QUERY_VALUES = {"area": HOME_COUNTY, "start": "2018-01-01", "end": "2020-12-31", "year": "2019", "month": "2019-05",
                "on": "2019-06-01", "q": "成员", "level": "household"}
# Pages that need a query to list anything.
PAGE_QUERIES = {"web:search": {"q": "成员"}}  # api_world's members are 成员…
# Pages only a national administrator opens (the policy's values and procedures): measured as api_world's admin.
AS_ADMIN = {"web:policy-value", "web:policy-step", "web:policy-step-add"}
# Lists no second batch can grow: each says why.
FIXED_LISTS = {"api:area-list": "the divisions are loaded once", "api:area-children": "the divisions are loaded once",
               "api:quality-summary": "one row per area and rule, however many findings"}
# Lists api_world leaves empty (nothing there makes their rows yet): their count is an empty list's, so an N+1 in
# them cannot show. Each is a gap to fill; a list that gets rows must leave this table.
EMPTY_LISTS: dict[str, str] = {}  # route → why api_world leaves it empty (none now)
# The routes known to run more queries with more rows (an N+1 found by this test), each with the statement that
# repeats and where: not excused, only listed until fixed. A route fixed must leave the table (the test says so).
GROWS_WITH_ROWS: dict[str, str] = {}  # route → why its count grows with the rows (none now)
# What a page answers when it is not 200, and why; any other answer fails (the count would be a refusal's).
NOT_200 = {
    "web:dashboard": (302, "sends the user on to the dashboard of their area"),
    "web:login": (302, "sends a signed-in user on"),
}


@cache
def list_operations() -> list[tuple[str, tuple[str, ...]]]:
    """The schema's list operations: GETs on a collection (a path without a parameter, or a nested `_list`), each
    with its required query parameters."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [(path, tuple(parameter["name"] for parameter in item["get"].get("parameters", [])
                         if parameter["in"] == "query" and parameter.get("required")))
            for path, item in schema["paths"].items()
            if "get" in item and ("{" not in path or item["get"]["operationId"].endswith("_list"))]


def _api_url(path: str, required: tuple[str, ...], world) -> str:
    resource = resource_of(path, world)
    ids = world.ids("home", resource) if resource else []
    url = fill_path(path, {"id": ids[0] if ids else HOME_COUNTY, "code": HOME_COUNTY})
    return url + ("?" + urlencode({name: QUERY_VALUES[name] for name in required}) if required else "")


def _page_url(route: str, world) -> tuple[str, str]:
    """(name, URL) of a page, its arguments filled from the home county's rows as the permission test fills them
    (the pages of records it names no row for, a job or a procedure step, are given theirs here)."""
    url = page_url(route, world, "home")
    name = resolve(url).view_name
    if name == "web:job":
        url = reverse(name, kwargs={"pk": world.ids("home", "jobs")[0]})
    elif name in {"web:policy-step", "web:policy-step-add"}:
        step = ProcedureStep.objects.filter(procedure__code=PROCEDURE).order_by("pk").first()
        url = reverse(name, kwargs={"code": PROCEDURE, "pk": step.pk} if name == "web:policy-step" else {
            "code": PROCEDURE})
    if name in PAGE_QUERIES:
        url += "?" + urlencode(PAGE_QUERIES[name])
    return name, url


@pytest.fixture
def world(db):
    built = build_world()
    built.rows["home"]["areas"] = [HOME_COUNTY, HOME_VILLAGE]
    assert not built.missing, built.missing
    built.editor = make_user(actions=["view", "change", "import", "export"], area=HOME_COUNTY)
    add_derived_rows(built, "home")
    _add_job(built)
    assert not built.missing, built.missing
    return built


def _add_job(world) -> None:
    """A job of the editor's (api_world makes none): an export of the home county's households."""
    client = APIClient()
    client.force_authenticate(world.editor)
    response = client.post("/api/exports/households/", {"area": HOME_COUNTY, "year": 2019}, format="json")
    assert response.status_code == 202, response.content[:300]
    world.rows["home"].setdefault("jobs", []).append(response.json()["id"])


def _add_history(world) -> None:
    """More of the first household's own rows, for the lists of one household: an earlier year (2019 stays its
    latest) and two transitions (out to 监测 and back, so it stays where it was in every other list)."""
    client = APIClient()
    client.force_authenticate(world.admin)
    url = f"/api/households/{world.ids('home', 'households')[0]}/"
    assert client.patch(url + "years/2018/", {"wage_income": "20000", "size_end": 2}, format="json").status_code == 200
    for to_status, day in (("6", "2020-03-01"), ("0", "2020-04-01")):
        response = client.post(url + "transitions/", {"version": client.get(url).json()["version"],
                                                      "to_status": to_status, "effective_date": day,
                                                      "reason": "查询计数"}, format="json")
        assert response.status_code == 201, response.content[:300]


def _routes(world) -> dict[str, tuple[str, str]]:
    """Route name → (URL, which client): every list operation of the API and every page of the URL map."""
    routes = {}
    for path, required in list_operations():
        url = _api_url(path, required, world)
        routes[resolve(urlsplit(url).path).view_name] = (url, "api")
    for name, url in _pages(world):
        if name not in NOT_PAGES:
            routes[name] = (url, "admin" if name in AS_ADMIN else "page")
    return routes


def _pages(world) -> list[tuple[str, str]]:
    return [_page_url(route, world) for route, _name in url_map() if not route.startswith(NOT_PAGE_PREFIXES)]


def _clients(world) -> dict:
    api, page, admin = APIClient(), Client(), Client()
    api.force_authenticate(world.editor)
    page.force_login(world.editor)
    admin.force_login(world.admin)
    return {"api": api, "page": page, "admin": admin}


def _measure_all(routes, clients) -> dict:
    measured = {}
    for name, (url, kind) in routes.items():
        client = clients[kind]
        client.get(url)  # warm the process's caches: the count must not depend on which test ran first
        measured[name] = measure(lambda: client.get(url))  # noqa: B023 (called at once)
    return measured


def _listed(measured) -> int | None:
    """How many rows an API list says it has (None for a report or a page)."""
    response = measured.response
    if measured.status != 200 or "json" not in response.get("Content-Type", ""):
        return None
    data = response.json()
    return data.get("count") if isinstance(data, dict) else len(data) if isinstance(data, list) else None


def test_every_list_and_page_has_a_pinned_count_that_does_not_grow_with_rows(world):
    routes = _routes(world)
    assert len(routes) >= 80, sorted(routes)
    names = {name for name, _url in _pages(world)}
    for declared in (NOT_PAGES, AS_ADMIN, NOT_200, PAGE_QUERIES, FIXED_LISTS, EMPTY_LISTS, GROWS_WITH_ROWS):
        gone = set(declared) - names - set(routes)
        assert not gone, f"declared for routes no longer in the URL map: {gone}"
    clients = _clients(world)

    before = _measure_all(routes, clients)
    wrong = [f"{name} ({routes[name][0]}): {measured.status}, not {NOT_200.get(name, (200,))[0]}"
             for name, measured in sorted(before.items()) if measured.status != NOT_200.get(name, (200,))[0]]
    assert not wrong, ("Routes that did not answer as a page or a list (a POST-only route goes in NOT_PAGES, "
                       "another answer in NOT_200, each with why):\n" + "\n".join(wrong))

    grow(world, "home")
    add_derived_rows(world, "home", HOME_SECOND_VILLAGE)
    _add_job(world)
    _add_history(world)
    assert not world.missing, world.missing
    after = _measure_all(routes, clients)
    # The second batch is there to be listed: every API list lists more rows now, but those declared fixed or empty.
    sizes = {name: (_listed(before[name]), _listed(after[name])) for name, (_url, kind) in routes.items()
             if kind == "api" and name not in FIXED_LISTS and _listed(before[name]) is not None}
    unseen = sorted(name for name, (one, two) in sizes.items() if two <= one and name not in EMPTY_LISTS)
    assert not unseen, f"lists that did not grow with the rows (so they prove nothing; or declare why): {unseen}"
    filled = sorted(name for name in EMPTY_LISTS if sizes.get(name, (0, 0)) != (0, 0))
    assert not filled, f"EMPTY_LISTS names lists that now have rows (take them out): {filled}"
    changed = {name for name in routes if after[name].count != before[name].count}
    grown = [f"{name} ({routes[name][0]}): {before[name].count} → {after[name].count} queries with more rows\n"
             + growth(before[name], after[name]) for name in sorted(changed - set(GROWS_WITH_ROWS))]
    mended = sorted(set(GROWS_WITH_ROWS) - changed)

    counts = {name: measured.count for name, measured in before.items()}
    pins = Pins(PINS, REPIN)
    if Pins.repinning():
        pins.write(counts)
    problems = pins.differences(counts)
    failures = ([pins.explain(problems)] if problems else []) + (
        ["Queries that repeat per row (N+1), to fix (GROWS_WITH_ROWS lists the known ones):\n"
         + "\n\n".join(grown)] if grown else []) + (
        [f"GROWS_WITH_ROWS names routes that no longer grow (take them out): {mended}"] if mended else [])
    assert not failures, "\n\n".join(failures)
