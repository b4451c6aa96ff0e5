"""The base of every API request body, so that strictness is decided in one place.

- Unknown fields are refused (422 naming them): a client that sends `stage` to an endpoint that ignores it
  must learn that it was not applied, rather than believe it was.
- PATCH bodies type their fields `X | None = None` only so that a field can be left out. For them an
  explicit `null` is refused unless the field is listed in `nullable` (a value that may really be cleared),
  instead of reaching the service as "set to nothing" and failing there (or in the database).
"""

from typing import ClassVar

from ninja import Schema
from pydantic import ConfigDict, ValidationInfo, field_validator

NULL_MESSAGE = "May not be null; leave the field out to keep its value."


class InputSchema(Schema):
    """A request body: unknown fields refused. A field typed `X | None` accepts null (it means the default)."""

    model_config = ConfigDict(extra="forbid")


class PatchSchema(InputSchema):
    """A partial update: a field left out is unchanged; null only where `nullable` says it clears the value."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_null(cls, value, info: ValidationInfo):
        # mode="before" sees the value as sent, so null is told apart from "left out" (never validated).
        if value is None and info.field_name not in cls.nullable:
            raise ValueError(NULL_MESSAGE)
        return value
