"""The pinyin search's first page equals the plain query's (active people first, then by pinyin and id) whatever
the limit, although it reads only a page of each part along the name index."""

import pytest

from fupin.registry.models import Member
from fupin.registry.selectors import member_search
from fupin.testing.factories import id_number, load_fixture_divisions, member_data, register_household, system_user

pytestmark = pytest.mark.django_db
NAMES = ["杨秀英", "杨树", "杨", "姚明", "叶飞", "杨秀兰", "余杨", "杨雪", "严勇", "杨一"]


def test_pinyin_search_pages_equal_the_plain_query():
    load_fixture_divisions()
    for n, name in enumerate(NAMES):
        register_household(number=f"5333011022010{n:02d}", members=[member_data(
            name=name, id_number=id_number(birth=f"19{60 + n}0101", sequence=f"{n:03d}"))])
    Member.objects.filter(name__in=["杨树", "杨雪"]).update(is_active=False)  # left their households
    actor = system_user()
    for query in ("y", "yang", "yx", "yangx", "ys", "yy"):
        everyone = [m for m in Member.objects.order_by("-is_active", "name_pinyin", "id")
                    if m.name_pinyin.startswith(query) or m.name_initials.startswith(query)]
        assert everyone, query
        for limit in (1, 2, 3, 5, 20):
            found = list(member_search(actor=actor, query=query, limit=limit))
            assert [m.pk for m in found] == [m.pk for m in everyone[:limit]], (query, limit)
    assert [m.name for m in member_search(actor=actor, query="yy")] == ["杨一", "严勇", "余杨"]  # by initials
    assert [m.name for m in member_search(actor=actor, query="yang", limit=6)] == [  # the two who left last
        "杨", "杨秀兰", "杨秀英", "杨一", "杨树", "杨雪"]


def test_names_in_characters_match_from_their_start_and_numbers_find_the_household():
    load_fixture_divisions()
    for n, name in enumerate(["张三", "张三丰", "李张三", "張三豐"]):
        register_household(number=f"5333011022011{n:02d}", members=[member_data(
            name=name, id_number=id_number(birth=f"19{70 + n}0101", sequence=f"{n:03d}"))])
    actor = system_user()
    # 張三豐 is held as 张三丰 in simplified script; 李张三 holds 张三 inside its name, not at its start.
    assert sorted(m.name for m in member_search(actor=actor, query="张三")) == ["张三", "张三丰", "張三豐"]
    assert [m.name for m in member_search(actor=actor, query="張三豐")] == ["张三丰", "張三豐"]
    assert [m.name for m in member_search(actor=actor, query="三")] == []
    person = Member.objects.get(name="李张三")
    assert [m.pk for m in member_search(actor=actor, query=person.id_number)] == [person.pk]
    assert [m.pk for m in member_search(actor=actor, query="533301102201102")] == [person.pk]
    assert [m.pk for m in member_search(actor=actor, query="533301102201199")] == []


def test_the_database_sorts_text_by_code_point():
    from django.core import checks

    assert [m.id for m in checks.run_checks(databases=["default"], tags=[checks.Tags.database])
            if m.id == "registry.W001"] == []
