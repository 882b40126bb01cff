"""The data-entry pages of the register (建档立卡): a new household with its members and year record, a household's
fields, a member's, a member joining. Forms are submitted as a browser would (every value the page rendered, hidden
ones included, read back from the HTML), so what the page carries — masked values, the version — is what is tested.
"""

import datetime
from decimal import Decimal
from html import escape
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import translation

from fupin.audit.models import AuditEvent
from fupin.registry import forms as registry_forms
from fupin.registry import services as registry_services
from fupin.registry import views as registry_views
from fupin.registry.masking import mask_id_number
from fupin.registry.models import Household, HouseholdYear, Member, MemberEvent
from fupin.registry.validation import NON_NEGATIVE_MONEY, YEAR_BOOLEANS, YEAR_CODES, YEAR_DECIMALS
from fupin.testing.factories import (
    id_number,
    load_fixture_divisions,
    make_user,
    member_data,
    register_household,
    system_user,
)

pytestmark = pytest.mark.django_db
COUNTY, VILLAGE, OTHER_VILLAGE = "533301000000", "533301102201", "533323101201"
ELSEWHERE = "533323000000"
NUMBER = "533301102201009"
HEAD = {"name": "王大山", "id_number": id_number("533301", "19700305", "011"), "relation": "01", "ethnicity": "20",
        "education": "2", "health": "1", "labour": "1"}
SPOUSE = {"name": "李小花", "id_number": id_number("533301", "19720811", "022"), "relation": "02", "ethnicity": "20",
          "education": "3", "health": "2", "labour": "3", "in_basic_medical": "1"}


class FormReader(HTMLParser):
    """What a browser submits from the form with `form_id`: named inputs (check boxes when checked) and each
    select's selected option (else its first)."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.select, self.pairs = form_id, False, None, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        elif not self.inside or ("name" not in attrs and tag != "option"):
            return
        elif tag == "input" and attrs.get("type") not in ("submit", "button"):
            if attrs.get("type") != "checkbox" or "checked" in attrs:
                self.pairs.append((attrs["name"], attrs.get("value") or ("on" if attrs.get("type") == "checkbox"
                                                                           else "")))
        elif tag == "select":
            self.select = [attrs["name"], None, None]
        elif tag == "option" and self.select is not None:
            value = attrs.get("value", "")
            if self.select[1] is None:
                self.select[1] = value
            if "selected" in attrs:
                self.select[2] = value

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select is not None:
            name, first, chosen = self.select
            self.pairs.append((name, chosen if chosen is not None else first or ""))
            self.select = None


def form_data(response, form_id: str) -> dict:
    reader = FormReader(form_id)
    reader.feed(response.content.decode())
    data: dict = {}
    for name, value in reader.pairs:
        if name in data:
            data[name] = [*data[name], value] if isinstance(data[name], list) else [data[name], value]
        else:
            data[name] = value
    return data


def fill(data: dict, members: list[dict], **fields) -> dict:
    for index, member in enumerate(members):
        data.update({f"members-{index}-{name}": value for name, value in member.items()})
    data.update(fields)
    return data


def new_url(village: str = VILLAGE) -> str:
    return reverse("web:household-new") + f"?village={village}"


def error(field_id: str, text: str) -> str:
    """A problem as Django renders it beside its field (the field's `aria-describedby` names this list)."""
    return f'<ul class="errorlist" id="{field_id}_error"><li>{escape(text)}</li></ul>'


def top(*texts: str) -> str:
    items = "".join(f"<li>{escape(text)}</li>" for text in texts)
    return f'<div class="form-problems" role="alert" id="form-problems"><ul>{items}</ul></div>'


def written() -> tuple[int, int, int, int]:
    return (Household.objects.count(), Member.objects.count(), HouseholdYear.objects.count(),
            AuditEvent.objects.count())


def _(text: str) -> str:
    """A message of these pages in the language in force (zh-Hans unless a test switched)."""
    return str(translation.gettext(text))


@pytest.fixture
def people():
    load_fixture_divisions()
    return {"village": make_user(role="village_operator", area=VILLAGE),
            "county": make_user(role="county_approver", area=COUNTY),
            "elsewhere": make_user(role="county_approver", area=ELSEWHERE),
            "analyst": make_user(role="province_analyst", area="530000000000")}


@pytest.fixture
def household(people):
    return register_household(area=VILLAGE, phone="13812345678", bank_name="农村信用社",
                              bank_account="6222020200112233445").household


# A new household -------------------------------------------------------------------------------------------------
def test_a_village_cadre_registers_a_household_with_two_members_and_its_year(client, people):
    client.force_login(people["village"])
    page = client.get(new_url())
    assert page.status_code == 200
    assert '<input type="hidden" name="village" value="533301102201" id="id_village">' in page.content.decode()
    assert '<p class="muted" id="place">鲁掌村委会</p>' in page.content.decode()
    data = fill(form_data(page, "household-form"), [HEAD, SPOUSE], number=NUMBER, attribute="01", main_cause="07",
                identified_year="2019", other_causes=["09"], **{"year-year": "2019", "year-wage_income": "8000",
                                                                "year-food_secure": "1"})
    response = client.post(new_url(), data)
    household = Household.objects.get(number=NUMBER)
    assert (response.status_code, response.url) == (302, reverse("web:household", args=[household.pk]))
    assert (household.area_id, household.attribute, household.main_cause, household.other_causes, household.status,
            household.identified_year, household.version) == (VILLAGE, "01", "07", ["09"], "0", 2019, 1)
    assert [(m.name, m.relation, m.id_number, m.sex, m.birth_date, m.ethnicity, m.education, m.in_basic_medical)
            for m in household.members.order_by("id")] == [
        ("王大山", "01", HEAD["id_number"], "1", datetime.date(1970, 3, 5), "20", "2", None),
        ("李小花", "02", SPOUSE["id_number"], "2", datetime.date(1972, 8, 11), "20", "3", True)]
    year = household.years.get()
    assert (year.year, year.size_end, year.net_income, year.net_income_per_capita, year.food_secure,
            year.status) == (2019, 2, Decimal("8000.00"), Decimal("4000.00"), True, "0")
    event = AuditEvent.objects.get(action="registry.household_registered")
    assert (event.actor, event.object_type, event.object_id, event.area_code) == (
        people["village"], "registry.household", str(household.pk), VILLAGE)
    assert [(m["name"], m["id_number"]) for m in event.after["members"]] == [
        ("王大山", mask_id_number(HEAD["id_number"])), ("李小花", mask_id_number(SPOUSE["id_number"]))]
    file_page = client.get(response.url).content.decode()
    assert f"<h1>户档案 · {NUMBER}</h1>" in file_page
    assert escape(_("Household %(number)s registered.") % {"number": NUMBER}) in file_page


def test_a_bad_id_checksum_is_shown_beside_that_members_field_and_nothing_is_written(client, people):
    client.force_login(people["village"])
    bad = SPOUSE["id_number"][:-1] + ("1" if SPOUSE["id_number"][-1] != "1" else "2")
    data = fill(form_data(client.get(new_url()), "household-form"), [HEAD, {**SPOUSE, "id_number": bad}],
                number=NUMBER, attribute="01", main_cause="07", identified_year="2019")
    before = written()
    response = client.post(new_url(), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert error("id_members-1-id_number", "身份证号码的校验码错误。") in page
    assert (f'<input type="text" name="members-1-id_number" value="{bad}" autocomplete="off" '
            'autocapitalize="characters" spellcheck="false" maxlength="22" aria-invalid="true" '
            'aria-describedby="id_members-1-id_number_helptext id_members-1-id_number_error" '
            'id="id_members-1-id_number">') in page
    assert page.count('class="errorlist"') == 1  # nothing else is wrong
    assert top("记录有错误，未保存任何内容。") in page
    # Everything typed is on the page again.
    assert 'name="members-0-name" value="王大山"' in page and 'name="members-1-name" value="李小花"' in page
    assert f'name="number" value="{NUMBER}"' in page
    assert written() == before


@pytest.mark.parametrize(("change", "expected"), [
    ({"members-0-ethnicity": "火星族"}, error("id_members-0-ethnicity", "“火星族”不是民族的有效值。")),
    ({"members-0-relation": "23", "members-1-relation": "23"},
     '<ul class="errorlist" id="members-errors"><li>每户须有且只有一名户主；本户有 0 名。</li></ul>'),
    ({"members-1-relation": "01"}, error("id_members-1-relation", "每户须有且只有一名户主；本户有 2 名。")),
    ({"attribute": ""}, error("id_attribute", "此项必填。")),
    ({"members-1-name": ""}, error("id_members-1-name", "此项必填。")),
    ({"year-year": "abc", "year-wage_income": "8000"}, error("id_year-year", "“abc”不是整数。")),
    ({"year-wage_income": "8000"}, error("id_year-year", "此项必填。")),
    # The household and its year record both have a status: the problem goes to the one holding the value.
    ({"year-year": "2019", "year-status": "Q"}, error("id_year-status", "“Q”不是脱贫标志的有效值。")),
], ids=["enumeration", "no-head", "two-heads", "household-field", "member-name", "year-number", "year-missing",
        "year-status"])
def test_each_problem_is_shown_in_place_and_nothing_is_written(client, people, change, expected):
    client.force_login(people["village"])
    data = fill(form_data(client.get(new_url()), "household-form"), [HEAD, SPOUSE], number=NUMBER, attribute="01",
                main_cause="07", identified_year="2019")
    data.update(change)
    before = written()
    response = client.post(new_url(), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert expected in page
    assert page.count('class="errorlist"') == 1
    assert top("记录有错误，未保存任何内容。") in page
    assert written() == before


def test_an_empty_form_asks_for_the_heads_name_in_place(client, people):
    client.force_login(people["village"])
    data = fill(form_data(client.get(new_url()), "household-form"), [], number=NUMBER, attribute="01",
                main_cause="07", identified_year="2019")
    response = client.post(new_url(), data)
    page = response.content.decode()
    assert error("id_members-0-name", "此项必填。") in page and error("id_members-0-sex", "此项必填。") in page
    assert Household.objects.count() == 0


def test_a_household_number_used_in_the_county_is_shown_beside_the_number(client, people, household):
    client.force_login(people["village"])
    data = fill(form_data(client.get(new_url()), "household-form"), [HEAD, SPOUSE], number=household.number,
                attribute="01", main_cause="07", identified_year="2019")
    response = client.post(new_url(), data)
    assert response.status_code == 409
    assert error("id_number", f"户编号 {household.number} 在本县已存在。") in response.content.decode()
    assert Household.objects.count() == 1


def test_an_id_number_registered_elsewhere_is_shown_beside_that_member(client, people, household):
    client.force_login(people["village"])
    taken = household.members.get(relation="02").id_number
    data = fill(form_data(client.get(new_url()), "household-form"), [HEAD, {**SPOUSE, "id_number": taken}],
                number=NUMBER, attribute="01", main_cause="07", identified_year="2019")
    response = client.post(new_url(), data)
    assert response.status_code == 409
    assert error("id_members-1-id_number", f"证件号码 {mask_id_number(taken)} 已登记在鲁掌村委会的 "
                                           f"{household.number} 户。") in response.content.decode()
    assert Household.objects.count() == 1


def test_without_scripts_add_a_member_posts_the_entries_back_with_one_more_row(client, people):
    client.force_login(people["village"])
    data = fill(form_data(client.get(new_url()), "household-form"), [HEAD, SPOUSE], number=NUMBER)
    response = client.post(new_url(), {**data, "add_member": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert '<input type="hidden" name="members-TOTAL_FORMS" value="3" id="id_members-TOTAL_FORMS">' in page
    assert 'name="members-1-name" value="李小花"' in page
    assert '<input type="text" name="members-2-name" maxlength="60" id="id_members-2-name">' in page
    assert 'class="errorlist"' not in page and Household.objects.count() == 0


def test_without_a_village_in_the_address_the_form_offers_the_villages_granted(client, people):
    client.force_login(people["county"])
    page = client.get(reverse("web:household-new")).content.decode()
    options = page[page.index('<select name="village"'):]
    options = options[:options.index("</select>")]
    assert '<option value="533301102201">鲁掌镇 鲁掌村委会 (533301102201)</option>' in options
    assert '<option value="533301001201">六库街道 双奎地村委会 (533301001201)</option>' in options
    assert OTHER_VILLAGE not in options
    data = fill(form_data(client.get(reverse("web:household-new")), "household-form"), [HEAD, SPOUSE],
                village="533301102202", number=NUMBER, attribute="01", main_cause="07", identified_year="2019")
    response = client.post(reverse("web:household-new"), data)
    assert response.status_code == 302 and Household.objects.get(number=NUMBER).area_id == "533301102202"


# A household's fields --------------------------------------------------------------------------------------------
def test_a_household_field_is_changed_and_masked_values_left_alone_are_kept(client, people, household):
    client.force_login(people["village"])
    url = reverse("web:household-edit", args=[household.pk])
    page = client.get(url)
    text = page.content.decode()
    assert "13812345678" not in text and "6222020200112233445" not in text
    assert '<input type="text" name="phone" value="138****5678"' in text
    assert '<input type="hidden" name="version" value="1" id="id_version">' in text
    data = form_data(page, "household-form")
    data.update(bank_name="农业银行", main_cause="09", other_causes=["01", "05"])
    response = client.post(url, data)
    assert (response.status_code, response.url) == (302, reverse("web:household", args=[household.pk]))
    household.refresh_from_db()
    assert (household.bank_name, household.main_cause, household.other_causes, household.phone,
            household.bank_account, household.version) == (
        "农业银行", "09", ["01", "05"], "13812345678", "6222020200112233445", 2)
    event = AuditEvent.objects.get(action="registry.household_updated")
    assert (event.actor, event.before["bank_name"], event.after["bank_name"], event.after["phone"]) == (
        people["village"], "农村信用社", "农业银行", "138****5678")


def test_a_bad_household_value_is_shown_beside_its_field(client, people, household):
    client.force_login(people["village"])
    url = reverse("web:household-edit", args=[household.pk])
    data = form_data(client.get(url), "household-form")
    data.update(planned_exit_year="20x0", bank_name="农业银行")
    response = client.post(url, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert error("id_planned_exit_year", "“20x0”不是整数。") in page
    assert 'name="bank_name" value="农业银行"' in page
    household.refresh_from_db()
    assert (household.bank_name, household.version) == ("农村信用社", 1)


def test_a_stale_version_is_refused_and_keeps_what_the_user_typed(client, people, household):
    client.force_login(people["village"])
    url = reverse("web:household-edit", args=[household.pk])
    opened = form_data(client.get(url), "household-form")
    # Someone else saves the household while the page is open.
    registry_services.household_update(actor=system_user(), household=Household.objects.get(pk=household.pk),
                                       version=1, changes={"bank_name": "建设银行", "planned_exit_year": 2020})
    response = client.post(url, {**opened, "bank_name": "农业银行", "identified_year": "2015"})
    page = response.content.decode()
    assert response.status_code == 409
    assert top(_(registry_views.STALE)) in page
    household.refresh_from_db()
    assert (household.bank_name, household.identified_year, household.planned_exit_year, household.version) == (
        "建设银行", 2014, 2020, 2)
    # The user's entries stay; what they left alone shows the value saved now; the collision is flagged.
    assert 'name="bank_name" value="农业银行"' in page and 'name="identified_year" value="2015"' in page
    assert 'name="planned_exit_year" value="2020"' in page
    assert '<input type="hidden" name="version" value="2" id="id_version">' in page
    assert f'<p class="saved-now">{escape(_("Saved now: %(value)s") % {"value": "建设银行"})}</p>' in page
    assert page.count('class="saved-now"') == 1
    again = client.post(url, form_data(response, "household-form"))
    assert again.status_code == 302
    household.refresh_from_db()
    assert (household.bank_name, household.identified_year, household.planned_exit_year, household.phone,
            household.version) == ("农业银行", 2015, 2020, "13812345678", 3)


# Members ---------------------------------------------------------------------------------------------------------
def test_a_member_is_changed(client, people, household):
    client.force_login(people["village"])
    spouse = household.members.get(relation="02")
    url = reverse("web:member-edit", args=[household.pk, spouse.pk])
    data = form_data(client.get(url), "member-form")
    data.update(name="李思思", education="3", on_dibao="1")
    response = client.post(url, data)
    assert (response.status_code, response.url) == (302, reverse("web:household", args=[household.pk]) + "#members")
    stored = Member.objects.get(pk=spouse.pk)
    assert (stored.name, stored.name_pinyin, stored.education, stored.on_dibao, stored.id_number, stored.birth_date) \
        == ("李思思", "lisisi", "3", True, spouse.id_number, spouse.birth_date)
    assert Household.objects.get(pk=household.pk).version == 2
    event = AuditEvent.objects.get(action="registry.member_updated")
    assert (event.actor, event.object_id, event.before["name"], event.after["name"]) == (
        people["village"], str(spouse.pk), "李四", "李思思")


def test_a_second_head_is_refused_beside_the_relation(client, people, household):
    client.force_login(people["village"])
    spouse = household.members.get(relation="02")
    url = reverse("web:member-edit", args=[household.pk, spouse.pk])
    response = client.post(url, {**form_data(client.get(url), "member-form"), "relation": "01"})
    page = response.content.decode()
    assert error("id_relation", "每户须有且只有一名户主；本户有 2 名。") in page
    assert top("记录有错误，未保存任何内容。") in page
    assert Member.objects.get(pk=spouse.pk).relation == "02"


def test_a_member_joins_the_household(client, people, household):
    client.force_login(people["village"])
    url = reverse("web:member-add", args=[household.pk])
    data = form_data(client.get(url), "member-form")
    baby = id_number("533301", "20150301", "031")
    data.update(name="张小宝", id_number=baby, relation="03", kind="birth", date="2015-03-01", labour="5")
    response = client.post(url, data)
    assert (response.status_code, response.url) == (302, reverse("web:household", args=[household.pk]) + "#members")
    member = household.members.get(name="张小宝")
    assert (member.id_number, member.sex, member.birth_date, member.relation, member.joined_on, member.is_active) == (
        baby, "1", datetime.date(2015, 3, 1), "03", datetime.date(2015, 3, 1), True)
    assert list(MemberEvent.objects.values_list("member__name", "kind", "joined", "date")) == [
        ("张小宝", "birth", True, datetime.date(2015, 3, 1))]
    assert Household.objects.get(pk=household.pk).version == 2
    assert AuditEvent.objects.get(action="registry.member_joined").actor == people["village"]


def test_a_join_without_its_kind_or_a_bad_id_is_shown_in_place(client, people, household):
    client.force_login(people["village"])
    url = reverse("web:member-add", args=[household.pk])
    data = form_data(client.get(url), "member-form")
    data.update(name="张小宝", id_number="53330120150301031", relation="03", kind="")
    response = client.post(url, data)
    assert error("id_kind", "此项必填。") in response.content.decode()
    data["kind"] = "birth"
    page = client.post(url, data).content.decode()
    assert error("id_id_number", "身份证号码应为 18 位（17 位数字加一位数字或 X），或 15 位数字。") in page
    assert household.members.count() == 2 and MemberEvent.objects.count() == 0


# Who may -----------------------------------------------------------------------------------------------------------
def test_a_user_granted_another_county_gets_404_and_writes_nothing(client, people, household):
    client.force_login(people["elsewhere"])
    spouse = household.members.get(relation="02")
    pages = [new_url(), reverse("web:household-edit", args=[household.pk]),
             reverse("web:member-edit", args=[household.pk, spouse.pk]),
             reverse("web:member-add", args=[household.pk])]
    for url in pages:
        assert client.get(url).status_code == 404
        assert client.post(url, {"name": "某人", "bank_name": "某银行", "version": "1"}).status_code == 404
    # Naming the village in the form instead: the service refuses, with its message.
    data = fill(form_data(client.get(reverse("web:household-new")), "household-form"), [HEAD, SPOUSE],
                village=VILLAGE, number=NUMBER, attribute="01", main_cause="07", identified_year="2019")
    before = written()
    response = client.post(reverse("web:household-new"), data)
    assert response.status_code == 403
    assert top("您在该区域没有此操作的权限。") in response.content.decode()
    assert written() == before
    household.refresh_from_db()
    assert (household.bank_name, household.version) == ("农村信用社", 1)


def test_a_viewer_sees_the_form_but_saving_is_refused_with_the_services_message(client, people, household):
    client.force_login(people["analyst"])
    url = reverse("web:household-edit", args=[household.pk])
    page = client.get(url)
    notice = escape(_("You may not change records in this area: saving will be refused."))
    assert f'<p class="message notice" id="refused-notice">{notice}</p>' in page.content.decode()
    before = written()
    response = client.post(url, {**form_data(page, "household-form"), "bank_name": "农业银行"})
    assert response.status_code == 403
    assert top("您在该区域没有此操作的权限。") in response.content.decode()
    assert 'name="bank_name" value="农业银行"' in response.content.decode()
    assert written() == before


def test_the_links_to_the_forms_show_only_where_the_user_may_write(client, people, household):
    file_url = reverse("web:household", args=[household.pk])
    spouse = household.members.get(relation="02")
    edit = f'<a href="{reverse("web:household-edit", args=[household.pk])}" id="edit-household">'
    member = f'<a href="{reverse("web:member-edit", args=[household.pk, spouse.pk])}" class="edit-member">'
    new = f'<a class="button" href="{new_url()}" id="new-household">'
    client.force_login(people["village"])
    page = client.get(file_url).content.decode()
    assert edit in page and member in page
    assert new in client.get(reverse("web:area", args=[VILLAGE])).content.decode()
    client.force_login(people["analyst"])
    page = client.get(file_url).content.decode()
    assert edit not in page and member not in page
    assert 'id="new-household"' not in client.get(reverse("web:area", args=[VILLAGE])).content.decode()
    client.force_login(people["county"])  # a township is not where households are registered
    assert 'id="new-household"' not in client.get(reverse("web:area", args=["533301102000"])).content.decode()


# ID numbers --------------------------------------------------------------------------------------------------------
def test_a_role_without_unmasked_ids_never_sees_one_and_saving_keeps_the_stored_number(client, people, household):
    client.force_login(people["village"])
    spouse = household.members.get(relation="02")
    url = reverse("web:member-edit", args=[household.pk, spouse.pk])
    page = client.get(url)
    text = page.content.decode()
    assert spouse.id_number not in text and spouse.id_number[6:14] not in text
    assert f'name="id_number" value="{mask_id_number(spouse.id_number)}"' in text
    assert f'name="initial-id_number" value="{mask_id_number(spouse.id_number)}"' in text
    response = client.post(url, {**form_data(page, "member-form"), "health": "3"})
    assert response.status_code == 302
    stored = Member.objects.get(pk=spouse.pk)
    assert (stored.health, stored.id_number, stored.birth_date, stored.sex) == (
        "3", spouse.id_number, spouse.birth_date, spouse.sex)
    # A wrong entry does not put the number on the page either.
    page = client.post(url, {**form_data(client.get(url), "member-form"), "relation": "01"}).content.decode()
    assert spouse.id_number not in page and spouse.id_number[6:14] not in page
    assert not AuditEvent.objects.filter(action="registry.sensitive_viewed").exists()


def test_a_disability_certificate_left_alone_is_kept(client, people):
    certificate = id_number("533301", "19900607", "033") + "41"
    household = register_household(members=[member_data(), member_data(
        name="李四", id_number=certificate, relation="配偶")]).household
    holder = household.members.get(relation="02")
    assert (holder.id_kind, holder.disability_certificate) == ("2", certificate)
    client.force_login(people["village"])
    url = reverse("web:member-edit", args=[household.pk, holder.pk])
    page = client.get(url)
    assert f'name="id_number" value="{mask_id_number(certificate)}"' in page.content.decode()
    response = client.post(url, {**form_data(page, "member-form"), "education": "4"})
    assert response.status_code == 302
    stored = Member.objects.get(pk=holder.pk)
    assert (stored.education, stored.id_kind, stored.id_number, stored.disability_certificate) == (
        "4", "2", certificate[:18], certificate)


def test_a_role_with_unmasked_ids_sees_them_and_the_look_is_audited(client, people, household):
    client.force_login(people["county"])
    spouse = household.members.get(relation="02")
    page = client.get(reverse("web:member-edit", args=[household.pk, spouse.pk])).content.decode()
    assert f'name="id_number" value="{spouse.id_number}"' in page
    event = AuditEvent.objects.get(action="registry.sensitive_viewed")
    assert (event.actor, event.after["shown"]) == (
        people["county"], [{"type": "registry.member", "id": spouse.pk, "fields": ["id_number"]}])
    page = client.get(reverse("web:household-edit", args=[household.pk])).content.decode()
    assert 'name="phone" value="13812345678"' in page


# Languages ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("language", "label", "option", "problem"), [
    ("zh-hans", "贫困户属性", "户主", "身份证号码的校验码错误。"),
    ("zh-hant", "貧困戶屬性", "戶主", "身份證號碼的校驗碼錯誤。"),
    ("en", "Household attribute", "head of household", "The check digit of the ID number is wrong."),
])
def test_the_form_and_its_problems_in_each_language(client, people, language, label, option, problem):
    client.force_login(people["village"])
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    page = client.get(new_url())
    text = page.content.decode()
    assert f'<html lang="{language}">' in text
    assert f'<label for="id_attribute">{label}</label>' in text
    assert f'<option value="01" selected>{option}</option>' in text  # the head's row
    bad = HEAD["id_number"][:-1] + ("1" if HEAD["id_number"][-1] != "1" else "2")
    data = fill(form_data(page, "household-form"), [{**HEAD, "id_number": bad}], number=NUMBER, attribute="01",
                main_cause="07", identified_year="2019")
    assert error("id_members-0-id_number", problem) in client.post(new_url(), data).content.decode()
    with translation.override(language):
        assert f"<h1>{escape(_('New household'))}</h1>" in text


def test_the_year_form_offers_every_field_the_registry_reads():
    fields = set(registry_forms.YearForm().fields)
    assert fields >= {"year", "size_start", "size_end", "net_income_per_capita", *NON_NEGATIVE_MONEY,
                      *YEAR_DECIMALS, *YEAR_BOOLEANS, *YEAR_CODES}
    assert {name for section in registry_forms.YearForm.sections for name in section[3]} == fields
