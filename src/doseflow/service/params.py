"""Path parameters shared by the API and the pages, bounded so that no value reaches the database unchecked."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

__all__ = ["TrialId", "PatientId", "AssessmentId"]

#: A trial's row id: a positive 32-bit integer (larger values are 422, not a database overflow).
TrialId = Annotated[int, Path(ge=1, le=2_147_483_647, description="The trial's id.")]
PatientId = Annotated[str, Path(max_length=40, description="The patient's identifier, e.g. P3.")]
AssessmentId = Annotated[str, Path(max_length=20, description="The assessment's identifier, e.g. A2.")]
