"""Quality assurance over HTTP: plans, scorecards, evaluations, calibration, reports, topics,
and the call with its recording. QA specialists do the work; supervisors read the results."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response, status

from dispatch.auth.roles import Role
from dispatch.core.edge import BIGINT_MAX, INT_MAX
from dispatch.deps import ClockDep, Principal, Session, SettingsDep, roles
from dispatch.qa import (
    calibration,
    evaluations,
    exports,
    plans,
    recordings,
    reports,
    scorecards,
    training,
)
from dispatch.qa.schemas import (
    CalibrationCreate,
    CalibrationOut,
    EvaluationCreate,
    EvaluationOut,
    EvaluationRevise,
    PlanCreate,
    PlanOut,
    PlayIn,
    PlayOut,
    QaCallOut,
    ScorecardCreate,
    ScorecardOut,
    ScorecardVersionIn,
    TopicCreate,
    TopicOut,
    TopicStatus,
    TopicUpdate,
)

router = APIRouter(prefix="/api/v1/qa", tags=["quality assurance"])

Specialist = Annotated[Principal, roles(Role.QA)]
# Supervisors read evaluations, reports and training topics; their plans follow the findings.
Reader = Annotated[Principal, roles(Role.QA, Role.SUPERVISOR)]
ScorecardEditor = Annotated[Principal, roles(Role.QA, Role.ADMIN)]
ScorecardReader = Annotated[Principal, roles(Role.QA, Role.SUPERVISOR, Role.ADMIN)]
Language = Literal["uz", "ru", "en"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.post("/plans", response_model=PlanOut, status_code=status.HTTP_201_CREATED)
async def create_plan(
    body: PlanCreate,
    session: Session,
    who: Specialist,
    clock: ClockDep,
    settings: SettingsDep,
    language: Language = "en",
) -> PlanOut:
    """Draw a sampling plan for the period; the answer lists its calls and why each is in
    (full names, incident type and stratum names in ``language`` beside the codes)."""
    return await plans.create_plan(
        session,
        who.actor,
        body,
        now=clock.now(),
        tz=settings.tz,
        long_handle_s=settings.qa_long_handle_s,
        language=language,
    )


@router.get("/plans", response_model=list[PlanOut])
async def list_plans(
    session: Session,
    _: Specialist,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=BIGINT_MAX)] = 0,
    language: Language = "en",
) -> list[PlanOut]:
    """Plans, newest first, with their summaries (names in ``language``)."""
    return await plans.list_plans(session, limit=limit, offset=offset, language=language)


@router.get("/plans/{plan_id}", response_model=PlanOut)
async def get_plan(
    plan_id: uuid.UUID, session: Session, _: Specialist, language: Language = "en"
) -> PlanOut:
    """A plan with its calls (full names, incident type and stratum names in ``language``)."""
    return await plans.get_plan(session, plan_id, language=language)


@router.get("/scorecards", response_model=list[ScorecardOut])
async def list_scorecards(session: Session, _: ScorecardReader) -> list[ScorecardOut]:
    """Every version of every scorecard."""
    return await scorecards.list_scorecards(session)


@router.post("/scorecards", response_model=ScorecardOut, status_code=status.HTTP_201_CREATED)
async def create_scorecard(
    body: ScorecardCreate, session: Session, who: ScorecardEditor, clock: ClockDep
) -> ScorecardOut:
    """A new scorecard (version 1)."""
    row = await scorecards.create_scorecard(session, who.actor, body, now=clock.now())
    return await scorecards.describe(session, row)


@router.get("/scorecards/{key}", response_model=ScorecardOut)
async def get_scorecard(key: str, session: Session, _: ScorecardReader) -> ScorecardOut:
    """A scorecard's newest version."""
    return await scorecards.describe(session, await scorecards.get_version(session, key))


@router.post(
    "/scorecards/{key}/versions", response_model=ScorecardOut, status_code=status.HTTP_201_CREATED
)
async def new_scorecard_version(
    key: str, body: ScorecardVersionIn, session: Session, who: ScorecardEditor, clock: ClockDep
) -> ScorecardOut:
    """The scorecard's next version; evaluations keep the version they were made on."""
    row = await scorecards.new_version(session, who.actor, key, body, now=clock.now())
    return await scorecards.describe(session, row)


@router.get("/scorecards/{key}/versions/{version}", response_model=ScorecardOut)
async def get_scorecard_version(
    key: str, version: Annotated[int, Path(ge=1, le=INT_MAX)], session: Session, _: ScorecardReader
) -> ScorecardOut:
    """One version of a scorecard."""
    return await scorecards.describe(session, await scorecards.get_version(session, key, version))


@router.put("/scorecards/{key}/versions/{version}", response_model=ScorecardOut)
async def update_scorecard_version(
    key: str,
    version: Annotated[int, Path(ge=1, le=INT_MAX)],
    body: ScorecardVersionIn,
    session: Session,
    who: ScorecardEditor,
    clock: ClockDep,
) -> ScorecardOut:
    """Change a version nobody has scored with yet (409 once it is in use)."""
    row = await scorecards.update_version(session, who.actor, key, version, body, now=clock.now())
    return await scorecards.describe(session, row)


@router.post("/evaluations", response_model=EvaluationOut, status_code=status.HTTP_201_CREATED)
async def create_evaluation(
    body: EvaluationCreate, session: Session, who: Specialist, clock: ClockDep
) -> EvaluationOut:
    """Score a call: the score and compliance level; ``in_plan`` says whether a plan chose it."""
    saved = await evaluations.create_evaluation(session, who.actor, body, now=clock.now())
    return (await evaluations.named(session, [saved]))[0]


@router.get("/evaluations", response_model=list[EvaluationOut])
async def list_evaluations(
    session: Session,
    _: Reader,
    call_id: uuid.UUID | None = None,
    operator: str | None = None,
    evaluator: str | None = None,
    plan_id: uuid.UUID | None = None,
    calibration_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=BIGINT_MAX)] = 0,
) -> list[EvaluationOut]:
    """Evaluations (newest revisions) matching the filters, by call time."""
    found = await evaluations.current(
        session,
        call_id=call_id,
        operator=operator,
        evaluator=evaluator,
        plan_id=plan_id,
        calibration_id=calibration_id,
        limit=limit,
        offset=offset,
    )
    return await evaluations.named(session, [evaluations.to_out(f) for f in found])


@router.get("/evaluations/{evaluation_id}", response_model=EvaluationOut)
async def get_evaluation(evaluation_id: uuid.UUID, session: Session, _: Reader) -> EvaluationOut:
    """An evaluation with every revision."""
    found = await evaluations.get_evaluation(session, evaluation_id)
    return (await evaluations.named(session, [found]))[0]


@router.put("/evaluations/{evaluation_id}", response_model=EvaluationOut)
async def revise_evaluation(
    evaluation_id: uuid.UUID,
    body: EvaluationRevise,
    session: Session,
    who: Specialist,
    clock: ClockDep,
) -> EvaluationOut:
    """A new revision of your evaluation; the earlier ones stay (see ``revisions``)."""
    saved = await evaluations.revise(session, who.actor, evaluation_id, body, now=clock.now())
    return (await evaluations.named(session, [saved]))[0]


@router.get("/calls/{call_id}", response_model=QaCallOut)
async def review_call(
    call_id: uuid.UUID,
    session: Session,
    who: Reader,
    clock: ClockDep,
    language: Language = "en",
) -> QaCallOut:
    """The call with its recording reference, card (an audited read), events and scores;
    ``names`` gives the full names of the people named, in ``language`` the incident type.
    QA specialists and supervisors (who check operators' calls, D1.01)."""
    return await recordings.review(session, who.actor, call_id, now=clock.now(), language=language)


@router.post("/calls/{call_id}/plays", response_model=PlayOut, status_code=status.HTTP_201_CREATED)
async def record_play(
    call_id: uuid.UUID, body: PlayIn, session: Session, who: Reader, clock: ClockDep
) -> PlayOut:
    """The QA page (a supervisor's too) reports each start of playback; it lands in the audit
    log."""
    return await recordings.record_play(session, who.actor, call_id, body, now=clock.now())


@router.post("/calibrations", response_model=CalibrationOut, status_code=status.HTTP_201_CREATED)
async def create_calibration(
    body: CalibrationCreate,
    session: Session,
    who: Specialist,
    clock: ClockDep,
    language: Language = "en",
) -> CalibrationOut:
    """A calibration session: the specialists score its calls with ``calibration_id``."""
    return await calibration.create_calibration(
        session, who.actor, body, now=clock.now(), language=language
    )


@router.get("/calibrations", response_model=list[CalibrationOut])
async def list_calibrations(
    session: Session,
    _: Specialist,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    language: Language = "en",
) -> list[CalibrationOut]:
    """Calibration sessions with their reports, newest first (names in ``language``)."""
    return await calibration.list_calibrations(session, limit=limit, language=language)


@router.get("/calibrations/{calibration_id}", response_model=CalibrationOut)
async def get_calibration(
    calibration_id: uuid.UUID, session: Session, _: Specialist, language: Language = "en"
) -> CalibrationOut:
    """A calibration session: spread of scores, kappa per item, flagged items; full names and
    item titles in ``language`` beside the usernames and keys."""
    return await calibration.get_calibration(session, calibration_id, language=language)


@dataclass(frozen=True)
class ReportOfPeriod:
    """The report a request asks for and the evaluations it counts."""

    date_from: date
    date_to: date
    report: reports.Report
    rows: list[reports.EvaluationRow]


async def report_of_period(
    _: Reader,
    date_from: date,
    date_to: date,
    session: Session,
    settings: SettingsDep,
    operator: str | None = None,
    language: Language = "en",
) -> ReportOfPeriod:
    """The report of ``date_from``..``date_to`` (one operator's, or all), texts in ``language``."""
    result, rows = await reports.build(
        session,
        date_from,
        date_to,
        tz=settings.tz,
        shift_start_hour=settings.qa_shift_start_hour,
        language=language,
        operator=operator,
    )
    return ReportOfPeriod(date_from, date_to, result, rows)


ReportDep = Annotated[ReportOfPeriod, Depends(report_of_period)]


@router.get("/reports", response_model=reports.Report)
async def report(asked: ReportDep) -> reports.Report:
    """Per operator, per operator and shift, by week, and the most frequent errors."""
    return asked.report


@router.get("/reports/export.xlsx", response_class=Response)
async def export_xlsx(asked: ReportDep, session: Session, who: Reader, clock: ClockDep) -> Response:
    """The report as a workbook: Operators, Shifts, Weeks, Errors, Evaluations."""
    await reports.record_export(
        session, who.actor, "xlsx", asked.date_from, asked.date_to, len(asked.rows), now=clock.now()
    )
    name = f"qa-{asked.date_from}-{asked.date_to}.xlsx"
    return _attachment(exports.to_xlsx(asked.report, asked.rows), XLSX, name)


@router.get("/reports/export.csv", response_class=Response)
async def export_csv(
    asked: ReportDep,
    session: Session,
    who: Reader,
    clock: ClockDep,
    table: exports.Table = exports.Table.OPERATORS,
) -> Response:
    """One table of the report as CSV (``table``: operators, shifts, weeks, errors,
    evaluations)."""
    fmt = f"csv:{table}"
    await reports.record_export(
        session, who.actor, fmt, asked.date_from, asked.date_to, len(asked.rows), now=clock.now()
    )
    name = f"qa-{table}-{asked.date_from}-{asked.date_to}.csv"
    content = exports.to_csv(asked.report, asked.rows, table)
    return _attachment(content, "text/csv; charset=utf-8", name)


def _attachment(content: bytes | str, media_type: str, name: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/training-topics", response_model=TopicOut, status_code=status.HTTP_201_CREATED)
async def create_topic(
    body: TopicCreate, session: Session, who: Specialist, clock: ClockDep
) -> TopicOut:
    """Assign a finding to an operator as a training topic."""
    row = await training.create_topic(session, who.actor, body, now=clock.now())
    return (await training.describe(session, [row]))[0]


@router.get("/training-topics", response_model=list[TopicOut])
async def list_topics(
    session: Session,
    _: Reader,
    operator: str | None = None,
    status: TopicStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    language: Language = "en",
) -> list[TopicOut]:
    """Training topics, newest first (supervisors follow them up), with the people's full
    names and the missed item's title in ``language``."""
    rows = await training.list_topics(session, operator=operator, status=status, limit=limit)
    return await training.describe(session, rows, language=language)


@router.patch("/training-topics/{topic_id}", response_model=TopicOut)
async def update_topic(
    topic_id: uuid.UUID, body: TopicUpdate, session: Session, who: Reader, clock: ClockDep
) -> TopicOut:
    """Close a topic: done (trained) or dropped, with a note."""
    row = await training.update_topic(session, who.actor, topic_id, body, now=clock.now())
    return (await training.describe(session, [row]))[0]
