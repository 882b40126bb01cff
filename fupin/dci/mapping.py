"""The registry as DCI records (docs/dci.md has the table): a household is a DCI Group (`spdci:Group`), each of
its members a Person (`spdci:Member` with an `SRPerson`). Sensitive values go through the one Masking."""

from fupin.core.codelists import ETHNICITY
from fupin.registry import codelists as cl
from fupin.registry.selectors import household_reference

from .query import CODE_TO_SEX, DISABLED_HEALTH

CONTEXT = {"spdci": "https://schema.spdci.org/extensions/social/v1/",
           "common": "https://schema.spdci.org/common/v1/",
           "xsd": "http://www.w3.org/2001/XMLSchema#"}
POVERTY_SCORE_TYPE = "net-income-per-capita-cny"  # yuan per person and year, of the household's latest year
# Two-character surnames (复姓) a name may start with; any other name's surname is its first character.
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
                     "夏侯", "令狐", "端木", "轩辕", "歐陽", "司馬", "諸葛")
LOCALES = {"zho": "zh-hans", "chi": "zh-hans", "eng": "en"}  # ISO 639-3 (and -2/B) → the site's languages


def language_of(locale: str | None) -> str:
    return LOCALES.get(locale or "", "zh-hans")


def split_name(name: str) -> tuple[str, str]:
    for surname in COMPOUND_SURNAMES:
        if name.startswith(surname) and len(name) > len(surname):
            return surname, name[len(surname):]
    return (name[:1], name[1:]) if len(name) > 1 else (name, "")


def _identifier(kind: str, value: str) -> dict:
    return {"@type": "Identifier", "identifier_type": kind, "identifier_value": value}


def _date(value) -> str | None:
    return value.isoformat() if value else None


def person(member, household, masking, language: str) -> dict:
    """A member as a DCI Member with its SRPerson (demographic_info)."""
    area_code = household.area_id
    shown = masking.apply(member, area_code, {"id_number": member.id_number or "",
                                               "disability_certificate": member.disability_certificate or ""})
    identifiers = [_identifier("MEMBER_ID", str(member.pk))]
    if shown["id_number"]:
        identifiers.insert(0, _identifier("UIN", shown["id_number"]))
    surname, given = split_name(member.name)
    demographic = {
        "@type": "SRPerson",
        "identifier": identifiers,
        "name": {"@type": "Name", "surname": surname, "given_name": given, "full_name": member.name},
        "sex": CODE_TO_SEX.get(member.sex, "unknown"),
        "birth_date": _date(member.birth_date),
        "address": {"@type": "Address", "area_code": area_code, "area_name": household.area.name},
    }
    if member.ethnicity:
        demographic["ethnicity"] = ETHNICITY.label(member.ethnicity, language)
    record = {
        "@type": "spdci:Member",
        "@id": f"urn:fupin:member:{member.pk}",
        "member_identifier": identifiers,
        "demographic_info": demographic,
        "is_disabled": member.health == DISABLED_HEALTH or bool(member.disability_certificate),
        "relationship_head": cl.RELATION.label(member.relation, language) if member.relation else "",
        "relationship_code": member.relation,
        "is_active": member.is_active,
        "registration_date": member.created_at.isoformat(),
        "last_updated": member.updated_at.isoformat(),
    }
    if shown["disability_certificate"]:
        record["disability_info"] = shown["disability_certificate"]
    if member.joined_on:
        record["joined_on"] = member.joined_on.isoformat()
    if member.left_on:
        record["left_on"] = member.left_on.isoformat()
    return record


def _poverty(household, language: str) -> list[dict]:
    return [{
        "poverty_status": household.status,
        "poverty_status_label": cl.STATUS.label(household.status, language),
        "poverty_attribute": household.attribute,
        "poverty_attribute_label": cl.HOUSEHOLD_ATTRIBUTE.label(household.attribute, language),
        "main_cause": household.main_cause,
        "main_cause_label": cl.CAUSE.label(household.main_cause, language) if household.main_cause else "",
        "identified_year": household.identified_year,
        "exit_year": household.exit_year,
        "household_reference": household_reference(household),
    }]


def group(household, members: list, latest_year, masking, language: str) -> dict:
    """A household as a DCI Group: its active members in `member_list`, the head in `group_head_info`, the
    poverty status and attribute in `additional_attributes`, net income per capita as `poverty_score`."""
    people = [person(m, household, masking, language) for m in members]
    head = next((p for p, m in zip(people, members, strict=True) if m.relation == cl.HEAD), None)
    phone = masking.apply(household, household.area_id, {"phone": household.phone or ""})["phone"]
    record = {
        "@context": CONTEXT,
        "@id": f"urn:fupin:household:{household_reference(household)}",
        "@type": "spdci:Group",
        "group_identifier": [_identifier("HOUSEHOLD_NUMBER", household_reference(household))],
        "group_type": "household",
        "place": {"@type": "Place", "area_code": household.area_id, "address": household.area.name},
        "poverty_score": (float(latest_year.net_income_per_capita)
                          if latest_year is not None and latest_year.net_income_per_capita is not None else None),
        "poverty_score_type": POVERTY_SCORE_TYPE,
        "poverty_score_year": latest_year.year if latest_year is not None else None,
        "group_size": len(members),
        "member_list": people,
        "registration_date": household.created_at.isoformat(),
        "last_updated": household.updated_at.isoformat(),
        "additional_attributes": _poverty(household, language),
    }
    if head is not None:
        record["group_head_info"] = head
    if phone:
        record["phone_number"] = phone
    return record


def member_record(member, masking, language: str) -> dict:
    """A member searched for itself (response_entity "Member"): the Person with its household's identifier."""
    household = member.household
    record = {"@context": CONTEXT, **person(member, household, masking, language)}
    record["group_identifier"] = [_identifier("HOUSEHOLD_NUMBER", household_reference(household))]
    record["additional_attributes"] = _poverty(household, language)
    return record
