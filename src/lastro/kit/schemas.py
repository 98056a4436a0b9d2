"""Base request/response models: writes forbid unknown fields; reads are plain."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class WriteModel(BaseModel):
    """Request bodies: an unknown field is an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ReadModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)
