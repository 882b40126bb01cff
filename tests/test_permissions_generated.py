"""Every path proven scoped: a permission test generated from the OpenAPI schema and the URL map.

Each operation of the schema and each page of the URL map is requested as five users — anonymous, a user without
grants, an editor of another county, a viewer and an editor of 泸水市 — over data in two counties (tests/api_world).
It shows that reads are filtered (no foreign row in a list or page, a foreign detail is a 404), that writes naming
another area's rows or made without the right are refused (401/403/404/400/405), and that a refused request changes
nothing (row counts of every table and the audit tail). The test fails when a path appears that it did not request,
so a new endpoint cannot go unexercised.
"""

import re
from functools import cache

import pytest
from django.apps import apps
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from fupin.audit.models import AuditEvent
from fupin.testing.factories import make_user
from tests.api_world import HOME_COUNTY, HOME_VILLAGE, OTHER_COUNTY, OTHER_VILLAGE, build_world

ACTORS = ["anonymous", "no_grant", "other_area", "viewer", "editor"]
WRITE_METHODS = {"post", "put", "patch", "delete"}
REFUSED = {400, 403, 404, 405, 415}
# Pages anyone may open: the login form, the language switch, the log-out (which only ends a session).
PUBLIC_PAGES = {"login", "set_language", "logout",
                # A villager's complaint and its status check, without an account (fupin.grievances).
                "grievance-new", "grievance-track",
                # fupin's public signing key for DCI clients (fupin.dci), public by design.
                "dci-jwks"}
MISSING_ID = 999999


@cache
def schema_operations() -> list[tuple[str, str, str]]:
    """(path, method, operationId) of every operation in the OpenAPI schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [(path, method, operation["operationId"]) for path, item in schema["paths"].items()
            for method, operation in item.items() if method in {"get", "post", "put", "patch", "delete"}]


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            # As Django joins nested routes (ResolverMatch.route): without the regular expressions' anchors.
            yield (prefix + str(pattern.pattern)).replace("^", ""), pattern.name


@cache
def url_map() -> list[tuple[str, str]]:
    """(route, name) of every page in the URL map (admin and API included)."""
    return sorted(set(_walk(get_resolver().url_patterns)))


def _route_key(response) -> str:
    """The URL-map route that answered (empty when none did: the test client resolves it lazily)."""
    try:
        return response.resolver_match.route.replace("^", "")
    except Resolver404:
        return ""


# Which side's rows each user must never see (and may never change).
FOREIGN = {"no_grant": ("home", "other"), "other_area": ("home",), "viewer": ("other",), "editor": ("other",),
           "anonymous": ("home", "other")}
OWN = {"viewer": "home", "editor": "home", "other_area": "other"}
# Resources read only with `change` (a review queue is work, not a record to look at): a viewer's own row answers
# as missing. Each says where.
READ_WITH_CHANGE = {"duplicates": "registry.selectors.duplicate_list: the possible duplicates to review"}


@pytest.fixture
def world(db):
    built = build_world()
    built.rows["home"]["areas"] = [HOME_COUNTY, HOME_VILLAGE]
    built.rows["other"]["areas"] = [OTHER_COUNTY, OTHER_VILLAGE]
    built.actors = {
        "anonymous": None,
        "no_grant": make_user(),
        "other_area": make_user(actions=["view", "change", "import", "export"], area=OTHER_COUNTY),
        "viewer": make_user(actions=["view"], area=HOME_COUNTY),
        "editor": make_user(actions=["view", "change", "import", "export"], area=HOME_COUNTY),
    }
    admin = APIClient()
    admin.force_authenticate(built.admin)
    # What each row looks like to someone who may see it: re-sent as a write, it names that row's area and links.
    built.bodies = {}
    for side in ("home", "other"):
        for resource, ids in built.rows[side].items():
            if resource in {"areas", "members"}:
                continue
            response = admin.get(f"/api/{resource}/{ids[0]}/")
            assert response.status_code == 200, (resource, response.content[:200])
            built.bodies[side, resource] = {key: value for key, value in response.json().items() if key != "id"}
    from fupin.registry.models import Household
    built.markers = {side: list(Household.objects.filter(pk__in=built.ids(side, "households"))
                                .values_list("number", flat=True)) for side in ("home", "other")}
    assert not built.missing, built.missing
    return built


def _snapshot() -> tuple:
    """Row counts of every table and the last audit event: what a refused request must leave as it was."""
    counts = tuple(model._default_manager.count() for model in apps.get_models() if not model._meta.proxy)
    return counts, AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()


def resource_of(path: str, world) -> str | None:
    relative = path.removeprefix("/api/")
    names = {name for side in world.rows.values() for name in side}
    matching = [name for name in names if relative.startswith(name + "/")]
    return max(matching, key=len) if matching else None


def fill_path(path: str, values: dict) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)


def _client(world, who) -> APIClient:
    """The API sees `force_authenticate`; pages see only a session, so the user is logged in for both (without
    the session every page answered as if to anonymous, and the matrix proved nothing for logged-in users)."""
    client = APIClient()
    if world.actors[who] is not None:
        client.force_authenticate(world.actors[who])
        client.force_login(world.actors[who])
    return client


def _assert_no_foreign_rows(response, world, who, resource, label):
    if response.status_code != 200 or "json" not in response.get("Content-Type", ""):
        return
    body = response.content.decode("utf-8", "replace")
    for side in FOREIGN[who]:
        for number in world.markers[side]:
            assert number not in body, f"{label}: {who} sees household {number} of {side}"
    data = response.json()
    results = data.get("results") if isinstance(data, dict) else data
    if resource and isinstance(results, list):
        key = "code" if resource == "areas" else "id"
        shown = {str(item.get(key)) for item in results if isinstance(item, dict)}
        for side in FOREIGN[who]:
            leaked = shown & {str(pk) for pk in world.ids(side, resource)}
            assert not leaked, f"{label}: {who} lists {resource} {leaked} of {side}"


def _exercise_operation(world, who, client, path, method, hits):
    label = f"{method.upper()} {path}"
    resource = resource_of(path, world)
    has_id = "{" in path
    foreign_side = FOREIGN[who][0]
    values = {"metric": "poor", "year": 2019}
    foreign_ids = world.ids(foreign_side, resource) if resource else []
    values["id"] = values["household_id"] = foreign_ids[0] if foreign_ids else MISSING_ID
    if resource == "fund-entries" and "household_id" in path:
        values["household_id"] = world.ids(foreign_side, "households")[0]
    values["code"] = OTHER_COUNTY if foreign_side == "other" else HOME_COUNTY
    url = fill_path(path, values)
    body = world.bodies.get((foreign_side, resource), {}) if method in WRITE_METHODS else None
    before = _snapshot() if method in WRITE_METHODS else None
    response = getattr(client, method)(url, body, format="json") if body is not None else getattr(client, method)(url)
    hits.add(_route_key(response))
    status = response.status_code
    assert status < 500, f"{label} as {who}: {status} {response.content[:300]!r}"
    if who == "anonymous":
        assert status in (401, 403), f"{label} answered {status} to anonymous"
    elif method in WRITE_METHODS:
        # Naming another area's row (in the path or by re-sending it) is refused; a viewer or a user without grants
        # is refused whatever the payload.
        if has_id or body or who in {"no_grant", "viewer"}:
            assert status in REFUSED, (f"{label} as {who} naming {foreign_side}'s rows: {status} "
                                       f"{response.content[:300]!r}")
    elif has_id and foreign_ids:
        if path.endswith("{id}/") or path.endswith("{code}/"):
            assert status == 404, f"{label} as {who} on {foreign_side}'s row: {status}"
        else:
            assert status in REFUSED, f"{label} as {who} on {foreign_side}'s row: {status}"
    else:
        _assert_no_foreign_rows(response, world, who, resource, f"{label} as {who}")
    if method in WRITE_METHODS and (who in {"anonymous", "no_grant", "viewer"} or has_id or body):
        assert _snapshot() == before, f"{label} as {who} was refused ({status}) but changed data"
    # The viewer and editor read their own rows.
    if method == "get" and who in OWN and resource and (path.endswith("{id}/") or path.endswith("{code}/")):
        own_ids = world.ids(OWN[who], resource)
        if own_ids:
            own = client.get(fill_path(path, {**values, "id": own_ids[0], "code": own_ids[0]}))
            expected = 404 if resource in READ_WITH_CHANGE and who == "viewer" else 200
            assert own.status_code == expected, f"{label} as {who} on its own row: {own.status_code}"
            _assert_no_foreign_rows(own, world, who, resource, f"{label} (own) as {who}")


def _page_value(name: str, group: str, route: str, world, foreign_side: str):
    if name == "format":
        return "json"
    if name == "code":
        return OTHER_COUNTY if foreign_side == "other" else HOME_COUNTY
    if name in {"pk", "member_pk", "object_id", "id"}:
        for word, resource in (("households", "households"), ("projects", "projects"), ("funds", "fund-documents"),
                               ("appraisal", "personnel/appraisal-schemes"), ("pairing", "pairings"),
                               ("cases", "cases"), ("notices", "notices"), ("grievances", "grievances"),
                               ("workshops", "workshops")):
            if word in route and world.ids(foreign_side, resource):
                return world.ids(foreign_side, resource)[0] if name != "member_pk" else world.ids(
                    foreign_side, "members")[0]
        return MISSING_ID
    if "|" in group:  # the admin's app_label alternatives
        return group.strip("()").split("|")[0].split(">")[-1]
    # Any other whole number (a photo's visit and position): one no record has, so the route resolves and refuses.
    return {"metric": "poor", "year": 2019}.get(name, MISSING_ID if group == "int" else "x")


def page_url(route: str, world, foreign_side: str) -> str:
    """A concrete URL for a route of either syntax (path converters or the router's regular expressions)."""
    path = re.sub(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))*)\)",
                  lambda m: str(_page_value(m.group(1), m.group(2), route, world, foreign_side)), route)
    path = re.sub(r"<(?:(\w+):)?(\w+)>",
                  lambda m: str(_page_value(m.group(2), m.group(1) or "", route, world, foreign_side)), path)
    path = path.replace("^", "").replace("$", "").replace("/?", "/").replace("\\.", ".").replace("\\", "")
    return "/" + path


@pytest.mark.parametrize("who", ACTORS)
def test_every_operation_and_page_is_scoped(world, who):
    client = _client(world, who)
    hits: set[str] = set()
    operations = schema_operations()
    for path, method, _operation_id in operations:
        _exercise_operation(world, who, client, path, method, hits)
    foreign_side = FOREIGN[who][0]
    pages = url_map()
    for route, name in pages:
        if route in hits:
            continue
        url = page_url(route, world, foreign_side)
        response = client.get(url)
        hits.add(_route_key(response))
        status = response.status_code
        assert status < 500, f"page {url} ({route}) as {who}: {status}"
        if who == "anonymous" and name not in PUBLIC_PAGES:
            assert status in (302, 401, 403, 404, 405), f"page {url} answered {status} to anonymous"
            if status == 302:
                assert "login" in response["Location"], f"page {url} sends anonymous to {response['Location']}"
        if status == 200 and who != "anonymous":
            body = response.content.decode("utf-8", "replace")
            for side in FOREIGN[who]:
                for number in world.markers[side]:
                    assert number not in body, f"page {url} shows {who} household {number} of {side}"
        named = re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route)
        ids = [a or b for a, b in named if (a or b) in {"pk", "code", "member_pk"}]
        if ids and who != "anonymous":
            # Another area's record or area (or one that does not exist): never shown.
            assert status != 200, f"page {url} ({route}) opened another area's record for {who}"
    # Coverage: every route of the URL map was requested (each schema operation above, each page here).
    missed = sorted(route for route, _name in pages if route not in hits)
    assert not missed, f"routes never requested: {missed}"
    assert len(operations) >= 200, len(operations)


# The hardening the probe found missing, each shown directly ----------------------------------------------------

def test_the_schema_and_the_docs_need_a_login(db):
    anonymous = APIClient()
    assert anonymous.get("/api/schema/").status_code in (401, 403)
    docs = anonymous.get("/api/docs/")
    assert docs.status_code == 302 and "login" in docs["Location"]
    client = APIClient()
    client.force_authenticate(make_user())
    assert client.get("/api/schema/").status_code == 200


def test_unknown_query_parameters_are_refused_by_name(world):
    client = _client(world, "editor")
    response = client.get("/api/households/", {"statuss": "0", "limit": 5})
    assert response.status_code == 400
    assert "statuss" in response.json()["detail"] and response.json()["field"] == "statuss"
    assert client.get("/api/households/", {"status": "0", "limit": 5}).status_code == 200
    assert client.get("/api/monitoring/tasks/", {"overdue": "1", "on": "2020-01-01"}).status_code == 200
    assert client.get("/api/monitoring/tasks/", {"on": "not a date"}).status_code == 400
    assert client.get("/api/households/", {"year": "abc"}).status_code == 400


def test_page_size_is_capped_and_a_huge_limit_or_offset_is_no_error(world, settings):
    settings.FUPIN_API_MAX_PAGE_SIZE = 1
    client = _client(world, "editor")
    page = client.get("/api/members/", {"limit": 200000})
    assert page.status_code == 200 and len(page.json()["results"]) == 1
    assert page.json()["count"] == len(world.ids("home", "members"))
    for params in ({"limit": 10**30}, {"offset": 10**30}, {"limit": "9" * 5000}, {"limit": -1}):
        assert client.get("/api/members/", params).status_code == 200, params


def test_trace_is_refused(db):
    client = APIClient()
    client.force_authenticate(make_user())
    for url in ("/", "/login/", "/api/households/"):
        assert client.generic("TRACE", url).status_code == 405


def test_nan_and_infinity_are_not_amounts(world):
    client = _client(world, "editor")
    household = world.ids("home", "households")[0]
    before = _snapshot()
    for value in ("NaN", "Infinity", "-Infinity", "sNaN", "1e999999999"):
        response = client.patch(f"/api/households/{household}/years/2019/", {"wage_income": value}, format="json")
        assert response.status_code == 400, (value, response.content)
        loan = client.post("/api/assistance/loans/", {"household": household, "bank": world.ids("home", "parties")[0],
                                                      "amount": value, "issued_on": "2019-01-01",
                                                      "due_on": "2020-01-01"}, format="json")
        assert loan.status_code == 400, (value, loan.content)
    assert _snapshot() == before


def test_a_foreign_key_into_another_area_answers_as_missing(world):
    """The probe's cross-area writes: each answers exactly as a missing id, naming nobody."""
    client = _client(world, "editor")
    foreign_member = world.ids("other", "members")[0]
    foreign_cadre = world.ids("other", "personnel/cadres")[0]
    foreign_household = world.ids("other", "households")[0]
    home = {name: world.ids("home", name)[0] for name in ("personnel/programmes", "personnel/teams", "projects",
                                                           "personnel/appraisal-schemes", "households")}
    writes = [
        ("/api/personnel/trainees/", {"programme": home["personnel/programmes"], "member": foreign_member}, "member"),
        ("/api/personnel/trainees/", {"programme": home["personnel/programmes"], "cadre": foreign_cadre}, "cadre"),
        ("/api/personnel/memberships/", {"team": home["personnel/teams"], "cadre": foreign_cadre, "role": "member",
                                         "start_date": "2018-02-01"}, "cadre"),
        ("/api/personnel/contacts/", {"cadre": foreign_cadre, "level": "county", "area": HOME_COUNTY,
                                      "start_date": "2018-01-01"}, "cadre"),
        ("/api/personnel/appraisal-scores/", {"scheme": home["personnel/appraisal-schemes"], "cadre": foreign_cadre,
                                              "scores": {"results": 80, "discipline": 90}}, "cadre"),
        ("/api/assistance/visits/", {"household": home["households"], "cadre": foreign_cadre,
                                     "visited_on": "2019-05-03"}, "cadre"),
        ("/api/project-beneficiaries/", {"project": home["projects"], "household": foreign_household,
                                         "mechanism": "wages", "amount": "1.00", "persons": 1}, "household"),
    ]
    for url, payload, field_name in writes:
        before = _snapshot()
        refused = client.post(url, payload, format="json")
        missing = client.post(url, {**payload, field_name: MISSING_ID}, format="json")
        assert refused.status_code == missing.status_code == 400, (url, refused.content)
        assert refused.json().keys() == missing.json().keys(), url
        assert str(refused.json()[field_name]).replace(str(payload[field_name]), "?") == str(
            missing.json()[field_name]).replace(str(MISSING_ID), "?"), url
        assert _snapshot() == before, url


def test_a_duplicate_id_number_elsewhere_confirms_nothing_about_it(world):
    """The probe's 409 named a Shanxi household for a Shanxi ID number: outside one's areas it says only that."""
    from django.utils import translation

    from fupin.registry.models import Member
    from fupin.testing.factories import household_data, member_data

    taken = Member.objects.get(pk=world.ids("home", "members")[0])
    client = _client(world, "other_area")
    with translation.override("en"):
        response = client.post("/api/households/", {
            "area": OTHER_VILLAGE, "household": household_data("533323101201077"),
            "members": [member_data(name="王五", id_number=taken.id_number)]}, format="json",
            HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409, response.content
    detail = response.json()["detail"]
    assert "outside your areas" in detail
    assert taken.household.number not in detail and taken.household.area.name not in detail
