"""API paging with bounds (its own module: DRF imports the pagination class while fupin.core.api is loading)."""

from django.conf import settings
from rest_framework.pagination import LimitOffsetPagination


class CappedLimitOffsetPagination(LimitOffsetPagination):
    """`?limit=` is clamped to FUPIN_API_MAX_PAGE_SIZE (a page of 200,000 members took minutes and gigabytes) and
    `?offset=` to FUPIN_API_MAX_OFFSET (a huge offset overflowed the database's integer: a server error)."""

    @property
    def max_limit(self):
        return settings.FUPIN_API_MAX_PAGE_SIZE

    def get_offset(self, request):
        try:
            offset = int(request.query_params[self.offset_query_param])
        except (KeyError, ValueError):
            return 0
        return min(max(offset, 0), settings.FUPIN_API_MAX_OFFSET)
