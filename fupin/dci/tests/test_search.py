"""Sync search: every query type, the Group/Person mapping, masking, pagination, sort and county scoping."""

import pytest

from .support import Dci, group_ids, predicate, records

H1, H2, H3, H4 = "533301/533301102201001", "533301/533301102201002", "533301/533301001201001", "533323/533323101201001"


def idq(kind, value, **extra):
    return {"query_type": "idtype-value", "query": {"type": kind, "value": value}, **extra}


def pred(*expressions, condition=None, **extra):
    return {"query_type": "predicate", "query": predicate(*expressions, condition=condition), **extra}


def test_search_by_id_number_returns_the_household_as_a_group(world):
    dci = Dci()
    status, payload = dci.search(idq("UIN", "533301196001010013"))
    assert status == 200
    header = payload["header"]
    assert (header["action"], header["status"], header["total_count"], header["completed_count"]) == (
        "on-search", "succ", 1, 1)
    item = payload["message"]["search_response"][0]
    assert (item["reference_id"], item["status"]) == ("ref-1", "succ")
    assert item["pagination"] == {"page_size": 1000, "page_number": 1, "total_count": 1}
    [group] = records(payload)
    assert group["@type"] == "spdci:Group" and group["group_type"] == "household"
    assert group["group_identifier"][0] == {"@type": "Identifier", "identifier_type": "HOUSEHOLD_NUMBER",
                                            "identifier_value": H1}
    assert group["place"]["area_code"] == "533301102201" and group["place"]["address"] == "鲁掌村委会"
    assert group["group_size"] == 2
    assert group["additional_attributes"][0]["poverty_status"] == "0"
    assert group["additional_attributes"][0]["poverty_attribute"] == "01"
    head = group["group_head_info"]
    assert head["demographic_info"]["name"] == {"@type": "Name", "surname": "张", "given_name": "三",
                                                "full_name": "张三"}
    assert head["demographic_info"]["sex"] == "male" and head["demographic_info"]["birth_date"] == "1960-01-01"
    # Masked as for any reader without "view sensitive": the first 6 and the last 4 characters.
    assert head["member_identifier"][0] == {"@type": "Identifier", "identifier_type": "UIN",
                                            "identifier_value": "533301********0013"}
    assert group["phone_number"] == "138****1111"
    assert [m["demographic_info"]["name"]["full_name"] for m in group["member_list"]] == ["张三", "李四"]


def test_a_client_allowed_sensitive_values_sees_them_and_the_look_is_audited(world):
    from fupin.audit.models import AuditEvent

    dci = Dci(sensitive=True)
    _status, payload = dci.search(idq("UIN", "533301196001010013"))
    assert records(payload)[0]["group_head_info"]["member_identifier"][0]["identifier_value"] == "533301196001010013"
    assert AuditEvent.objects.filter(action="registry.sensitive_viewed", actor=dci.client.user).count() == 1
    assert AuditEvent.objects.filter(action="dci.searched", actor=dci.client.user).count() == 1


def test_search_by_household_number_and_by_phone(world):
    dci = Dci()
    assert group_ids(dci.search(idq("HOUSEHOLD_NUMBER", "533301102201002"))[1]) == [H2]
    assert group_ids(dci.search(idq("HOUSEHOLD_NUMBER", H4))[1]) == [H4]
    assert group_ids(dci.search(idq("MOBILE", "13800001111"))[1]) == [H1]
    assert group_ids(dci.search(idq("UIN", "110101190001010000"))[1]) == []


def test_a_15_digit_id_number_finds_its_18_digit_holder(world):
    dci = Dci()
    # 533301196001010013 without the century and check digit.
    assert group_ids(dci.search(idq("UIN", "533301600101001"))[1]) == [H1]


@pytest.mark.parametrize(("criteria", "expected"), [
    (pred(("age", "ge", 60)), [H3, H1]),  # 陈七 85, 张三 66; 刘八 is 56
    (pred(("age", "gt", 66)), [H3]),
    (pred(("age", "eq", 66)), [H1]),
    (pred(("age", "le", 10)), [H2]),  # 王小
    (pred(("area", "eq", "533301001")), [H3]),  # 六库街道
    (pred(("area", "in", ["533323", "533301001201"])), [H3, H4]),
    (pred(("poverty_attribute", "eq", "04")), [H2]),
    (pred(("poverty_attribute", "eq", "特困供养贫困户")), [H3]),
    (pred(("poverty_status", "in", ["0"])), [H3, H1, H2, H4]),
    (pred(("group_size", "ge", 3)), [H2]),
    (pred(("household_size", "eq", 1)), [H3]),
    (pred(("sex", "eq", "female"), ("age", "lt", 40)), [H2]),  # 赵六 34 (two conditions: both hold)
    (pred(("age", "gt", 80), ("group_size", "eq", 2), condition="or"), [H3, H1, H4]),
    (pred(("area", "eq", "533301"), ("poverty_attribute", "eq", "01"), condition="not"), [H3, H2]),
    (pred(("is_disabled", "eq", True)), [H3]),
    (pred(("yob", "eq", 1975)), [H4]),
])
def test_predicate_queries_over_registry_fields(world, criteria, expected):
    dci = Dci()
    criteria["sort"] = [{"attribute_name": "household_number", "sort_order": "asc"}]
    _status, payload = dci.search(criteria)
    assert payload["message"]["search_response"][0]["status"] == "succ", payload
    assert sorted(group_ids(payload)) == sorted(expected)
    assert group_ids(payload) == sorted(expected, key=lambda ref: ref.split("/")[1])


def test_expression_query(world):
    dci = Dci()
    query = {"type": "ns:org:QueryType:NoSql", "value": {"expression": {"collection": "Group", "query": {
        "$and": [{"poverty_attribute": {"$in": ["01", "04"]}}, {"group_size": {"$lt": 3}}]}}}}
    _status, payload = dci.search({"query_type": "expression", "query": query,
                                   "sort": [{"attribute_name": "household_number", "sort_order": "desc"}]})
    assert group_ids(payload) == [H4, H1]
    query["value"]["expression"]["query"] = {"$or": [{"age": {"$gte": 85}}, {"sex": "female", "age": {"$lt": 35}}]}
    assert sorted(group_ids(dci.search({"query_type": "expression", "query": query})[1])) == sorted([H3, H2])


def test_member_entity_returns_persons(world):
    dci = Dci()
    _status, payload = dci.search(pred(("sex", "eq", "female"), ("age", "lt", 45), response_entity="Member",
                                       sort=[{"attribute_name": "age", "sort_order": "asc"}]))
    people = records(payload)
    assert payload["message"]["search_response"][0]["data"]["reg_record_type"] == "Person"
    assert [p["demographic_info"]["name"]["full_name"] for p in people] == ["赵六", "李四"]
    assert people[0]["group_identifier"][0]["identifier_value"] == H2
    _status, payload = dci.search(idq("UIN", "533301194008080074", response_entity="Member"))
    [chen] = records(payload)
    assert chen["is_disabled"] is True and chen["relationship_code"] == "01"


def test_pagination_and_sort(world):
    dci = Dci()
    sort = [{"attribute_name": "household_number", "sort_order": "asc"}]
    pages = []
    for number in (1, 2, 3):
        _status, payload = dci.search(pred(("area", "eq", "53"), sort=sort,
                                           pagination={"page_size": 2, "page_number": number}))
        item = payload["message"]["search_response"][0]
        assert item["pagination"] == {"page_size": 2, "page_number": number, "total_count": 4}
        pages.append(group_ids(payload))
    assert pages == [[H3, H1], [H2, H4], []]
    _status, payload = dci.search(pred(("area", "eq", "53"), pagination={"page_size": 3},
                                       sort=[{"attribute_name": "group_size", "sort_order": "desc"},
                                             {"attribute_name": "household_number", "sort_order": "asc"}]))
    assert group_ids(payload) == [H2, H1, H4]


@pytest.mark.parametrize(("criteria", "reason"), [
    (pred(("area", "eq", "53"), pagination={"page_size": 0}), "rjct.pagination.invalid"),
    (pred(("area", "eq", "53"), pagination={"page_size": 5000}), "rjct.pagination.invalid"),
    (pred(("area", "eq", "53"), pagination={"page_size": 2, "page_number": -1}), "rjct.pagination.invalid"),
    (pred(("area", "eq", "53"), sort=[{"attribute_name": "salary", "sort_order": "asc"}]), "rjct.sort.invalid"),
    (pred(("area", "eq", "53"), sort=[{"attribute_name": "area", "sort_order": "up"}]), "rjct.sort.invalid"),
    (pred(("salary", "gt", 5)), "rjct.filter.invalid"),
    (pred(("age", "like", 5)), "rjct.filter.invalid"),
    (pred(("age", "gt", "old")), "rjct.filter.invalid"),
    (pred(("sex", "eq", "M")), "rjct.filter.invalid"),
    (pred(("area", "eq", "5x")), "rjct.filter.invalid"),
    ({"query_type": "sql", "query": "select 1"}, "rjct.search_criteria.invalid"),
    ({"query_type": "predicate", "query": []}, "rjct.search_criteria.invalid"),
    (idq("PASSPORT_OF_MARS", "1"), "rjct.search_criteria.invalid"),
    ({"query_type": "expression", "query": {"type": "x", "value": {}}}, "rjct.search_criteria.invalid"),
])
def test_bad_criteria_are_rejected_with_their_reason_code(world, criteria, reason):
    dci = Dci()
    _status, payload = dci.search(criteria, idq("UIN", "533301196001010013"))
    first, second = payload["message"]["search_response"]
    assert (first["status"], first["status_reason_code"]) == ("rjct", reason)
    assert second["status"] == "succ"  # one bad request of a batch does not sink the others
    assert payload["header"]["status"] == "succ" and payload["header"]["completed_count"] == 1


def test_too_many_records_without_pagination(world, settings):
    settings.FUPIN_DCI_MAX_PAGE_SIZE = 3
    dci = Dci()
    _status, payload = dci.search(pred(("area", "eq", "53")))
    item = payload["message"]["search_response"][0]
    assert (item["status"], item["status_reason_code"]) == ("rjct", "rjct.search.too_many_records_found")
    assert payload["header"]["status"] == "rjct"


def test_a_county_client_sees_no_other_county(world):
    fugong = Dci(name="fugong", area="533323")
    assert group_ids(fugong.search(pred(("area", "eq", "53")))[1]) == [H4]
    assert group_ids(fugong.search(idq("UIN", "533301196001010013"))[1]) == []
    assert group_ids(fugong.search(idq("HOUSEHOLD_NUMBER", H1))[1]) == []
    assert group_ids(fugong.search(idq("MOBILE", "13800001111"))[1]) == []
    _status, payload = fugong.search(pred(("sex", "eq", "female"), response_entity="Member"))
    assert [p["demographic_info"]["name"]["full_name"] for p in records(payload)] == ["孙九"]


def test_labels_follow_the_locale(world):
    dci = Dci()
    _status, payload = dci.search(idq("UIN", "533301196001010013"), locale="eng")
    attributes = records(payload)[0]["additional_attributes"][0]
    assert attributes["poverty_attribute_label"] == "ordinary poor household"
    assert payload["message"]["search_response"][0]["locale"] == "eng"
    _status, payload = dci.search(idq("UIN", "533301196001010013"), locale="zho")
    assert records(payload)[0]["additional_attributes"][0]["poverty_attribute_label"] == "一般贫困户"
