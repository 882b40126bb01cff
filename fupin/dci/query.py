"""DCI search criteria (`idtype-value`, `expression`, `predicate`) turned into filters on the registry.

Attributes a query may name (docs/dci.md has the table):

    household (Group) level   area, poverty_status, poverty_attribute, group_size (household_size),
                              identified_year, exit_year, household_number
    member (Person) level     age, birth_date, YOB, sex, ethnicity, is_disabled, relationship

A member-level condition on a Group search selects the households with an active member meeting it.
Each refusal names the DCI reason code the response carries.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q

from fupin.core import areacodes as codes
from fupin.core.idnumbers import IdNumberError, parse_id_number
from fupin.registry import codelists as cl
from fupin.registry.models import Household, Member
from fupin.registry.selectors import REFERENCE_SEPARATOR

# DCI sex codes (dci_Sex) ↔ GB/T 2261 (性别).
SEX_TO_CODE = {"male": "1", "female": "2", "other": "9", "unknown": "9"}
CODE_TO_SEX = {"1": "male", "2": "female", "9": "unknown"}
DISABLED_HEALTH = "4"  # 残疾 in 健康状况
ID_TYPES = {"UIN": "id", "NID": "id", "ID_NUMBER": "id", "NATIONALID": "id",
            "HOUSEHOLD_NUMBER": "household", "HOUSEHOLD_ID": "household", "GROUP_ID": "household",
            "MOBILE": "phone", "PHONE": "phone"}
OPERATORS = {"eq", "lt", "le", "gt", "ge", "in"}
_MONGO = {"$eq": "eq", "$lt": "lt", "$lte": "le", "$gt": "gt", "$gte": "ge", "$in": "in", "$ne": "ne", "$nin": "nin"}


class CriteriaError(Exception):
    def __init__(self, reason_code: str, message: str):
        self.reason_code, self.message = reason_code, message
        super().__init__(message)


@dataclass(frozen=True)
class Attribute:
    level: str  # "household" or "member"
    kind: str  # "int", "code", "area", "sex", "date", "bool", "age", "year_of_birth", "size", "text"
    field: str = ""
    codes: object = None


ATTRIBUTES = {
    "area": Attribute("household", "area"),
    "area_code": Attribute("household", "area"),
    "location": Attribute("household", "area"),
    "poverty_status": Attribute("household", "code", "status", cl.STATUS),
    "poverty_attribute": Attribute("household", "code", "attribute", cl.HOUSEHOLD_ATTRIBUTE),
    "group_size": Attribute("household", "size"),
    "household_size": Attribute("household", "size"),
    "identified_year": Attribute("household", "int", "identified_year"),
    "exit_year": Attribute("household", "int", "exit_year"),
    "household_number": Attribute("household", "text", "number"),
    "age": Attribute("member", "age"),
    "birth_date": Attribute("member", "date", "birth_date"),
    "dob": Attribute("member", "date", "birth_date"),
    "yob": Attribute("member", "year_of_birth"),
    "sex": Attribute("member", "sex", "sex"),
    "ethnicity": Attribute("member", "code", "ethnicity", None),
    "is_disabled": Attribute("member", "bool"),
    "relationship": Attribute("member", "code", "relation", cl.RELATION),
}


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def _int(value, name: str) -> int:
    if isinstance(value, bool):
        raise CriteriaError("rjct.filter.invalid", f"{name} needs a whole number.")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise CriteriaError("rjct.filter.invalid", f"{name} needs a whole number, not {value!r}.")


def _range_q(field: str, op: str, value) -> Q:
    lookup = {"eq": "", "lt": "__lt", "le": "__lte", "gt": "__gt", "ge": "__gte", "in": "__in"}[op]
    return Q(**{f"{field}{lookup}": value})


class Builder:
    """Filters for one entity ("Group": households, "Member": members) as of `today` (ages)."""

    def __init__(self, entity: str, today: datetime.date):
        self.entity = entity
        self.today = today

    # member-level conditions ------------------------------------------------------------------------------------
    def _member_q(self, attr: Attribute, name: str, op: str, value) -> Q:
        if attr.kind == "age":
            return self._age_q(name, op, value)
        if attr.kind == "year_of_birth":
            if op == "in":
                return Q(birth_date__year__in=[_int(v, name) for v in self._list(value, name)])
            return _range_q("birth_date__year", op, _int(value, name))
        if attr.kind == "date":
            parse = self._date
            if op == "in":
                return Q(birth_date__in=[parse(v, name) for v in self._list(value, name)])
            return _range_q("birth_date", op, parse(value, name))
        if attr.kind == "sex":
            values = self._list(value, name) if op == "in" else [value]
            self._only(op, name, ("eq", "in"))
            mapped = []
            for v in values:
                text = str(v).strip().lower()
                code = SEX_TO_CODE.get(text, text if text in CODE_TO_SEX else None)
                if code is None:
                    raise CriteriaError("rjct.filter.invalid",
                                        f"sex is one of male, female, other, unknown; not {v!r}.")
                mapped.append(code)
            return Q(sex__in=mapped)
        if attr.kind == "bool":
            self._only(op, name, ("eq",))
            if not isinstance(value, bool) and str(value).lower() not in ("true", "false", "1", "0"):
                raise CriteriaError("rjct.filter.invalid", f"{name} is true or false.")
            disabled = value if isinstance(value, bool) else str(value).lower() in ("true", "1")
            condition = Q(health=DISABLED_HEALTH) | ~Q(disability_certificate="")
            return condition if disabled else ~condition
        return self._code_q(attr, name, op, value)

    def _age_q(self, name: str, op: str, value) -> Q:
        """Age in whole years on `today`: age ≥ n exactly when born on or before today n years ago."""
        if op == "in":
            q = Q(pk__in=[])
            for v in self._list(value, name):
                q |= self._age_q(name, "eq", v)
            return q
        n = _int(value, name)
        if n < 0:
            raise CriteriaError("rjct.filter.invalid", "age cannot be negative.")
        at_least = lambda k: Q(birth_date__lte=_years_before(self.today, k))  # noqa: E731 — age ≥ k
        if op == "ge":
            return at_least(n)
        if op == "gt":
            return at_least(n + 1)
        if op == "lt":
            return ~at_least(n) & Q(birth_date__isnull=False)
        if op == "le":
            return ~at_least(n + 1) & Q(birth_date__isnull=False)
        return at_least(n) & ~at_least(n + 1)

    # household-level conditions ---------------------------------------------------------------------------------
    def _household_q(self, attr: Attribute, name: str, op: str, value, prefix: str) -> Q:
        if attr.kind == "area":
            self._only(op, name, ("eq", "in"))
            q = Q(pk__in=[])
            for v in self._list(value, name) if op == "in" else [value]:
                try:
                    code = codes.normalise_code(str(v))
                except ValueError:
                    raise CriteriaError("rjct.filter.invalid", f"{v!r} is not an area code.") from None
                low, high = codes.code_range(code[:codes.PREFIX_LENGTH[codes.level_of(code)]])
                q |= Q(**{f"{prefix}area_id__gte": low, f"{prefix}area_id__lte": high})
            return q
        if attr.kind == "size":
            if op == "in":
                sizes = [_int(v, name) for v in self._list(value, name)]
                selected = Household.objects.annotate(dci_size=size_annotation()).filter(dci_size__in=sizes)
            else:
                selected = Household.objects.annotate(dci_size=size_annotation()).filter(
                    _range_q("dci_size", op, _int(value, name)))
            return Q(**{f"{prefix}pk__in": selected.values("pk")}) if prefix else Q(pk__in=selected.values("pk"))
        if attr.kind == "int":
            if op == "in":
                return Q(**{f"{prefix}{attr.field}__in": [_int(v, name) for v in self._list(value, name)]})
            return _range_q(f"{prefix}{attr.field}", op, _int(value, name))
        if attr.kind == "text":
            self._only(op, name, ("eq", "in"))
            values = [str(v) for v in (self._list(value, name) if op == "in" else [value])]
            return Q(**{f"{prefix}{attr.field}__in": values})
        return self._code_q(attr, name, op, value, prefix)

    def _code_q(self, attr: Attribute, name: str, op: str, value, prefix: str = "") -> Q:
        self._only(op, name, ("eq", "in"))
        values = self._list(value, name) if op == "in" else [value]
        found = []
        for v in values:
            text = str(v).strip()
            code = attr.codes.lookup(text) if attr.codes is not None else text
            if code is None:
                raise CriteriaError("rjct.filter.invalid", f"{text!r} is not a code of {name}.")
            found.append(code)
        return Q(**{f"{prefix}{attr.field}__in": found})

    # one condition, on the entity -------------------------------------------------------------------------------
    def condition(self, name, op: str, value) -> Q:
        if not isinstance(name, str) or name.lower() not in ATTRIBUTES:
            raise CriteriaError("rjct.filter.invalid",
                                f"Unknown attribute {name!r}; known: {', '.join(sorted(ATTRIBUTES))}.")
        if op not in OPERATORS:
            raise CriteriaError("rjct.filter.invalid", f"Unknown operator {op!r} (gt, lt, eq, ge, le, in).")
        attr = ATTRIBUTES[name.lower()]
        if attr.level == "member":
            q = self._member_q(attr, name, op, value)
            if self.entity == "Member":
                return q
            # A household with an active member meeting it.
            return Q(Exists(Member.objects.filter(q, household=OuterRef("pk"), is_active=True)))
        return self._household_q(attr, name, op, value, "household__" if self.entity == "Member" else "")

    # the three query types --------------------------------------------------------------------------------------
    def predicate(self, query) -> Q:
        """ExpPredicateWithConditionList: items (in seq_num order) all hold; within one, expression1 and, or, and
        not expression2."""
        if not isinstance(query, list) or not query:
            raise CriteriaError("rjct.search_criteria.invalid", "A predicate query is a non-empty list.")
        result = Q()
        for item in sorted(query, key=lambda i: i.get("seq_num", 0) if isinstance(i, dict) else 0):
            if not isinstance(item, dict) or not isinstance(item.get("expression1"), dict):
                raise CriteriaError("rjct.search_criteria.invalid", "Each predicate needs expression1.")
            q = self._expression(item["expression1"])
            if item.get("expression2") is not None:
                condition = item.get("condition")
                second = self._expression(item["expression2"])
                if condition == "and":
                    q &= second
                elif condition == "or":
                    q |= second
                elif condition == "not":
                    q &= ~second
                else:
                    raise CriteriaError("rjct.search_criteria.invalid", "condition is and, or or not.")
            elif item.get("condition") == "not":
                q = ~q
            result &= q
        return result

    def _expression(self, expression: dict) -> Q:
        missing = [k for k in ("attribute_name", "operator", "attribute_value") if k not in expression]
        if missing:
            raise CriteriaError("rjct.search_criteria.invalid", f"An expression needs {', '.join(missing)}.")
        return self.condition(expression["attribute_name"], expression["operator"], expression["attribute_value"])

    def expression(self, query) -> Q:
        """ExpTemplate: {"type": …, "value": {"expression": {"collection": …, "query": {…}}}} with a MongoDB-style
        query ($and, $or, $not; $eq, $ne, $lt, $lte, $gt, $gte, $in, $nin)."""
        value = query.get("value") if isinstance(query, dict) else None
        expression = value.get("expression") if isinstance(value, dict) else None
        if not isinstance(expression, dict) or not isinstance(expression.get("query"), dict):
            raise CriteriaError("rjct.search_criteria.invalid",
                                'An expression query is {"type": …, "value": {"expression": {"query": {…}}}}.')
        return self._mongo(expression["query"])

    def _mongo(self, node) -> Q:
        if not isinstance(node, dict) or not node:
            raise CriteriaError("rjct.search_criteria.invalid", "An expression node is a non-empty object.")
        result = Q()
        for key, value in node.items():
            if key in ("$and", "$or"):
                if not isinstance(value, list) or not value:
                    raise CriteriaError("rjct.search_criteria.invalid", f"{key} takes a non-empty list.")
                parts = [self._mongo(v) for v in value]
                combined = parts[0]
                for part in parts[1:]:
                    combined = combined & part if key == "$and" else combined | part
                result &= combined
            elif key == "$not":
                result &= ~self._mongo(value)
            elif isinstance(value, dict):
                for operator, operand in value.items():
                    op = _MONGO.get(operator)
                    if op is None:
                        raise CriteriaError("rjct.filter.invalid", f"Unknown operator {operator!r}.")
                    if op == "ne":
                        result &= ~self.condition(key, "eq", operand)
                    elif op == "nin":
                        result &= ~self.condition(key, "in", operand)
                    else:
                        result &= self.condition(key, op, operand)
            else:
                result &= self.condition(key, "eq", value)
        return result

    def idtype_value(self, query) -> Q:
        if not isinstance(query, dict) or "type" not in query or "value" not in query:
            raise CriteriaError("rjct.search_criteria.invalid", 'An idtype-value query is {"type": …, "value": …}.')
        kind = ID_TYPES.get(str(query["type"]).strip().upper().replace("-", "_"))
        if kind is None:
            raise CriteriaError("rjct.search_criteria.invalid",
                                f"Unknown identifier type {query['type']!r}; known: {', '.join(sorted(ID_TYPES))}.")
        value = str(query["value"]).strip()
        if not value:
            raise CriteriaError("rjct.search_criteria.invalid", "The identifier value is empty.")
        member = self.entity == "Member"
        if kind == "id":
            try:
                number = parse_id_number(value).number
            except IdNumberError:
                number = value.upper()  # another document's number (passport …) is matched as written
            if member:
                return Q(id_number=number)
            return Q(Exists(Member.objects.filter(household=OuterRef("pk"), id_number=number)))
        prefix = "household__" if member else ""
        if kind == "phone":
            return Q(**{f"{prefix}phone": value})
        place, _slash, number = value.rpartition(REFERENCE_SEPARATOR)
        q = Q(**{f"{prefix}number": number.strip()})
        if place:
            try:
                code = codes.normalise_code(place.strip())
            except ValueError:
                raise CriteriaError("rjct.search_criteria.invalid", f"{place!r} is not an area code.") from None
            low, high = codes.code_range(code[:codes.PREFIX_LENGTH[codes.level_of(code)]])
            q &= Q(**{f"{prefix}area_id__gte": low, f"{prefix}area_id__lte": high})
        return q

    @staticmethod
    def _only(op: str, name: str, allowed: tuple[str, ...]) -> None:
        if op not in allowed:
            raise CriteriaError("rjct.filter.invalid", f"{name} takes the operators {', '.join(allowed)} only.")

    @staticmethod
    def _list(value, name: str) -> list:
        if not isinstance(value, list) or not value:
            raise CriteriaError("rjct.filter.invalid", f"“in” on {name} takes a non-empty list.")
        return value

    @staticmethod
    def _date(value, name: str) -> datetime.date:
        try:
            return datetime.date.fromisoformat(str(value)[:10])
        except ValueError:
            raise CriteriaError("rjct.filter.invalid", f"{name} needs a date (YYYY-MM-DD).") from None


def size_annotation():
    return Count("members", filter=Q(members__is_active=True))


# Sorting: attribute → ordering field, per entity.
SORT_GROUP = {"household_number": "number", "area": "area_id", "identified_year": "identified_year",
              "poverty_status": "status", "poverty_attribute": "attribute", "group_size": "dci_size",
              "household_size": "dci_size", "registration_date": "created_at", "id": "pk"}
SORT_MEMBER = {"name": "name_pinyin", "birth_date": "birth_date", "age": "-birth_date", "sex": "sex",
               "area": "household__area_id", "household_number": "household__number",
               "registration_date": "created_at", "id": "pk"}
