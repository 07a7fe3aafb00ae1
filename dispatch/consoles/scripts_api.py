"""The call-taking script of an incident type, for the operator console."""

from __future__ import annotations

from fastapi import APIRouter

from dispatch.cards.routing.api import ClassifierDep
from dispatch.consoles.schemas import ScriptOut, ScriptStep
from dispatch.consoles.scripts import default_scripts
from dispatch.deps import AnyUser
from dispatch.errors import NotFound

router = APIRouter(prefix="/api/v1", tags=["consoles"])


@router.get("/incident-types/{code}/script", response_model=ScriptOut)
async def incident_type_script(code: str, _: AnyUser, classifier: ClassifierDep) -> ScriptOut:
    """The questions and instructions for ``code`` in order (the general script when the type
    has none of its own); every script is a draft until the methodologists approve it."""
    if code not in classifier.types:
        raise NotFound(f"unknown incident type {code!r}; the list is at GET /api/v1/incident-types")
    script, general = default_scripts().for_type(code)
    return ScriptOut(
        incident_type=code,
        status=script.status,
        general=general,
        languages=script.languages,
        steps=[
            ScriptStep(id=s.id, kind=s.kind, text=dict(s.text), field=s.field) for s in script.steps
        ],
    )
