"""The base of every scenario model: unknown keys are errors (a typo gets a "did you mean" hint)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
