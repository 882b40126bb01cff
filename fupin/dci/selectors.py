"""Reads for the DCI endpoints: clients and tokens, registry searches (scoped to the client's service user),
transactions and subscriptions."""

import datetime
import hashlib

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.db.models import Prefetch, Q
from django.utils import timezone

from fupin.accounts.choices import Action
from fupin.core import temporal
from fupin.registry.models import HouseholdYear, Member
from fupin.registry.selectors import household_list, member_list

from .models import AccessToken, Client, SenderKey, Subscription, Transaction
from .query import SORT_GROUP, SORT_MEMBER, Builder, CriteriaError, size_annotation


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def client_by_credentials(client_id: str, secret: str) -> Client | None:
    client = Client.objects.select_related("user").filter(client_id=client_id, is_active=True).first()
    if client is None or not check_password(secret, client.secret_hash):
        return None
    return client


def token_get(token: str) -> AccessToken | None:
    """The unexpired token of an active client (with the client and its user), or None."""
    found = (AccessToken.objects.select_related("client", "client__user")
             .filter(token_hash=token_hash(token), expires_at__gt=timezone.now()).first())
    if found is None or not found.client.is_active or not found.client.user.is_active:
        return None
    return found


def client_get(name_or_id: str) -> Client | None:
    return Client.objects.select_related("user").filter(Q(name=name_or_id) | Q(client_id=name_or_id)).first()


def client_list():
    return Client.objects.select_related("user").order_by("name")


def sender_key(client: Client, key_id: str) -> SenderKey | None:
    return SenderKey.objects.filter(client=client, key_id=key_id, is_active=True).first()


def client_has_keys(client: Client) -> bool:
    return SenderKey.objects.filter(client=client, is_active=True).exists()


def message_seen(client: Client, message_id: str) -> bool:
    return Transaction.objects.filter(client=client, message_id=message_id).exists()


def transactions_for_status(client: Client, attribute_type: str, value) -> list[Transaction]:
    """The client's own transactions a txn-status request names (never another client's)."""
    mine = Transaction.objects.filter(client=client).exclude(action="txn-status")
    if attribute_type == "transaction_id":
        found = mine.filter(transaction_id=value)
    elif attribute_type == "correlation_id":
        found = mine.filter(correlation_id=value)
    elif attribute_type == "reference_id_list":
        wanted = set(value)
        found = [t for t in mine.order_by("-id")[:500] if wanted & set(t.reference_ids)]
        return found
    elif attribute_type == "subscription_code_list":
        refs = Subscription.objects.filter(client=client, code__in=value).values_list("reference_id", flat=True)
        wanted = set(refs)
        return [t for t in mine.filter(action="subscribe").order_by("-id")[:500] if wanted & set(t.reference_ids)]
    else:
        return []
    return list(found.order_by("-id")[:20])


def subscriptions_active():
    return (Subscription.objects.filter(status=Subscription.Status.SUBSCRIBED, client__is_active=True)
            .select_related("client", "client__user").order_by("id"))


def subscriptions_of(client: Client, codes: list[str]) -> dict[str, Subscription]:
    return {s.code: s for s in Subscription.objects.filter(client=client, code__in=codes)}


def page_size_limit() -> int:
    return getattr(settings, "FUPIN_DCI_MAX_PAGE_SIZE", 1000)


class SearchPage:
    """One page of a search: the rows, the total and the paging asked for."""

    def __init__(self, rows, total: int, page_size: int, page_number: int):
        self.rows, self.total, self.page_size, self.page_number = rows, total, page_size, page_number


def _ordering(sort, table: dict[str, str]) -> list[str]:
    if sort in (None, []):
        return []
    if not isinstance(sort, list):
        raise CriteriaError("rjct.sort.invalid", "sort is a list of {attribute_name, sort_order}.")
    ordering = []
    for item in sort:
        name = item.get("attribute_name") if isinstance(item, dict) else None
        order = item.get("sort_order", "asc") if isinstance(item, dict) else None
        if name not in table or order not in ("asc", "desc"):
            raise CriteriaError("rjct.sort.invalid",
                                f"Sort by one of {', '.join(sorted(table))}, asc or desc; not {item!r}.")
        field = table[name]
        if order == "desc":
            field = field[1:] if field.startswith("-") else f"-{field}"
        ordering.append(field)
    return ordering


def _paging(pagination) -> tuple[int, int, bool]:
    """(page size, page number, whether the sender asked for pages)."""
    if pagination is None:
        return page_size_limit(), 1, False
    if not isinstance(pagination, dict):
        raise CriteriaError("rjct.pagination.invalid", "pagination is {page_size, page_number}.")
    size, number = pagination.get("page_size"), pagination.get("page_number", 1)
    for value in (size, number):
        if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value or value < 1:
            raise CriteriaError("rjct.pagination.invalid", "page_size and page_number are whole numbers ≥ 1.")
    if size > page_size_limit():
        raise CriteriaError("rjct.pagination.invalid", f"page_size is at most {page_size_limit()}.")
    return int(size), int(number), True


def registry_search(*, actor, criteria: dict, today: datetime.date | None = None) -> tuple[str, SearchPage]:
    """Run one search_criteria for `actor` (a client's service user): ("Group"|"Member", the page). Households and
    members are read through the registry's scoped selectors, so nothing outside the client's areas is found."""
    entity = criteria.get("response_entity") or "Group"
    if entity not in ("Group", "Member"):
        raise CriteriaError("rjct.search_criteria.invalid", "response_entity is Group or Member.")
    builder = Builder(entity, today or temporal.today())
    query_type, query = criteria.get("query_type"), criteria.get("query")
    if query_type == "idtype-value":
        condition = builder.idtype_value(query)
    elif query_type == "expression":
        condition = builder.expression(query)
    elif query_type == "predicate":
        condition = builder.predicate(query)
    else:
        raise CriteriaError("rjct.search_criteria.invalid", "query_type is idtype-value, expression or predicate.")
    size, number, paged = _paging(criteria.get("pagination"))
    if entity == "Group":
        ordering = _ordering(criteria.get("sort"), SORT_GROUP)
        rows = household_list(actor=actor, action=Action.VIEW).filter(condition)
        if any(field.lstrip("-") == "dci_size" for field in ordering):
            rows = rows.annotate(dci_size=size_annotation())
        rows = rows.order_by(*ordering, "pk")
    else:
        ordering = _ordering(criteria.get("sort"), SORT_MEMBER)
        rows = member_list(actor=actor, action=Action.VIEW).filter(condition).order_by(*ordering, "pk")
    total = rows.count()
    if not paged and total > size:
        raise CriteriaError("rjct.search.too_many_records_found",
                            f"{total} records match; ask for them in pages (pagination.page_size ≤ {size}).")
    start = (number - 1) * size
    if entity == "Group":
        page = list(rows.prefetch_related(
            Prefetch("members", queryset=Member.objects.filter(is_active=True).order_by("relation", "id"),
                     to_attr="dci_members"),
            Prefetch("years", queryset=HouseholdYear.objects.order_by("-year").only(
                "id", "household_id", "year", "net_income_per_capita"), to_attr="dci_years"),
        )[start:start + size]) if start < total else []
    else:
        page = list(rows[start:start + size]) if start < total else []
    return entity, SearchPage(page, total, size, number)


def notify_records(*, actor, entity: str, household_ids: list[int], condition) -> list:
    """The households (entity "Group", with members and latest year) or active members ("Member") among
    `household_ids` that `condition` selects and `actor` may see."""
    if entity == "Group":
        return list(household_list(actor=actor, action=Action.VIEW).filter(condition, pk__in=household_ids)
                    .order_by("pk").prefetch_related(
                        Prefetch("members", queryset=Member.objects.filter(is_active=True).order_by("relation", "id"),
                                 to_attr="dci_members"),
                        Prefetch("years", queryset=HouseholdYear.objects.order_by("-year").only(
                            "id", "household_id", "year", "net_income_per_capita"), to_attr="dci_years")))
    return list(member_list(actor=actor, action=Action.VIEW).filter(condition, household_id__in=household_ids,
                                                                   is_active=True).order_by("pk"))
