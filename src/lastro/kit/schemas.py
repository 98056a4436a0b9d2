"""Base request/response models: writes forbid unknown fields; reads are plain."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, PlainSerializer


class WriteModel(BaseModel):
    """Request bodies: an unknown field is an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ReadModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def _fixed_point(value: Decimal) -> str:
    return format(value, "f")


# A Decimal written as plain fixed-point text in JSON: "0.0000000000", never "0E-10".
FixedDecimal = Annotated[Decimal, PlainSerializer(_fixed_point, return_type=str, when_used="json")]
