"""List responses of the API: {"items": [...], "count": N} with `limit` and `offset` (in lib so that every
domain app's api.py can page without importing the api package)."""

from typing import Any

from django.conf import settings
from ninja import Field, Schema
from ninja.pagination import PaginationBase


class Page(PaginationBase):
    """limit/offset paging; `count` is the total before paging so clients can page through."""

    class Input(Schema):
        limit: int = Field(settings.NINJA_PAGINATION_PER_PAGE, ge=1, le=settings.NINJA_PAGINATION_MAX_LIMIT)
        offset: int = Field(0, ge=0, le=2**31 - 1)  # beyond any real list; larger overflows the database

    class Output(Schema):
        items: list[Any]
        count: int

    items_attribute = "items"

    def paginate_queryset(self, queryset, pagination: Input, **params):
        offset, limit = pagination.offset, pagination.limit
        return {"items": queryset[offset : offset + limit], "count": queryset.count()}
