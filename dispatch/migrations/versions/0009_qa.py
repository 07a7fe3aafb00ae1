"""Quality assurance: scorecards (with the default ACE-like one), sampling plans, evaluations
and their revisions, calibration sessions, training topics.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from dispatch.core.database import JSONDocument, UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

OFFICIAL = sa.text("calibration_id IS NULL")
# The default scorecard's id is fixed so every installation names it alike.
ACE_ID = uuid.UUID("6a1c0f0e-5d0b-4d39-9f3e-0a9c1e2b7a01")


def _item(key: str, points: float, deviation: str, en: str, ru: str, uz: str) -> dict[str, Any]:
    return {
        "key": key,
        "points": points,
        "deviation": deviation,
        "text": {"uz": uz, "ru": ru, "en": en},
    }


def _section(
    key: str, weight: float, titles: tuple[str, str, str], items: list[dict[str, Any]]
) -> dict[str, Any]:
    en, ru, uz = titles
    return {"key": key, "weight": weight, "title": {"uz": uz, "ru": ru, "en": en}, "items": items}


# ACE-like (IAED): six sections, deviations weighted by class, a missed critical item fails
# the evaluation, compliance levels as ACE names them. A snapshot: later versions are data.
ACE = {
    "sections": [
        _section("case_entry", 20, ("Case entry", "Начало обращения", "Murojaatni qabul qilish"), [
            _item("address_verified", 10, "critical", "Address or location verified",
                  "Адрес или место проверены", "Manzil yoki joy tekshirildi"),
            _item("callback_number_verified", 5, "major", "Callback number verified",
                  "Номер для обратного звонка проверен", "Qayta qo‘ng‘iroq raqami tekshirildi"),
            _item("location_on_card", 5, "moderate", "Location recorded on the card",
                  "Место записано в карточку", "Joy kartaga yozildi"),
        ]),
        _section("chief_complaint", 15, ("Chief complaint", "Основная жалоба", "Asosiy shikoyat"), [
            _item("problem_identified", 10, "major", "The problem identified",
                  "Проблема выяснена", "Muammo aniqlandi"),
            _item("caller_party_identified", 5, "minor", "Caller's relation to the event known",
                  "Выяснено, кем заявитель приходится событию",
                  "Qo‘ng‘iroq qiluvchining voqeaga aloqasi aniqlandi"),
        ]),
        _section("key_questions", 25, ("Key questions", "Ключевые вопросы", "Asosiy savollar"), [
            _item("questions_in_order", 10, "major", "Key questions asked in order",
                  "Ключевые вопросы заданы по порядку", "Asosiy savollar tartib bilan berildi"),
            _item("all_key_questions", 10, "major", "Every key question asked",
                  "Заданы все ключевые вопросы", "Barcha asosiy savollar berildi"),
            _item("answers_recorded", 5, "moderate", "Answers recorded on the card",
                  "Ответы записаны в карточку", "Javoblar kartaga yozildi"),
        ]),
        _section("instructions_given", 20,
                 ("Instructions given", "Данные инструкции", "Berilgan ko‘rsatmalar"), [
            _item("life_saving_instructions", 10, "critical",
                  "Life-saving or safety instructions given when needed",
                  "Даны жизненно важные инструкции и инструкции по безопасности",
                  "Hayotni saqlovchi va xavfsizlik ko‘rsatmalari berildi"),
            _item("instructions_as_scripted", 5, "moderate", "Instructions given as scripted",
                  "Инструкции даны по сценарию", "Ko‘rsatmalar ssenariy bo‘yicha berildi"),
            _item("next_steps_explained", 5, "minor", "Caller told what happens next",
                  "Заявителю объяснено, что будет дальше",
                  "Qo‘ng‘iroq qiluvchiga keyingi qadamlar tushuntirildi"),
        ]),
        _section("final_code", 10, ("Final code", "Итоговый код", "Yakuniy kod"), [
            _item("incident_type_correct", 10, "major", "Incident type correct",
                  "Тип происшествия верный", "Hodisa turi to‘g‘ri"),
            _item("priority_correct", 5, "moderate", "Priority and services correct",
                  "Приоритет и службы верные", "Ustuvorlik va xizmatlar to‘g‘ri"),
        ]),
        _section("customer_service", 10,
                 ("Customer service", "Обслуживание заявителя", "Murojaatchiga xizmat"), [
            _item("calm_professional", 5, "moderate", "Calm, courteous and professional",
                  "Спокойно, вежливо, профессионально", "Xotirjam, xushmuomala, professional"),
            _item("no_delay", 5, "moderate", "No unnecessary delay",
                  "Без лишних задержек", "Ortiqcha kechikishsiz"),
            _item("callers_language", 5, "minor", "Spoke the caller's language",
                  "Говорил на языке заявителя", "Qo‘ng‘iroq qiluvchining tilida gaplashdi"),
        ]),
    ],
    "deviation_weights": {"critical": 1.0, "major": 0.75, "moderate": 0.5, "minor": 0.25},
    "levels": [
        {"level": "high", "min_score": 95},
        {"level": "compliant", "min_score": 90},
        {"level": "partial", "min_score": 80},
        {"level": "low", "min_score": 70},
        {"level": "non_compliant", "min_score": 0},
    ],
}  # fmt: skip


def upgrade() -> None:
    scorecards = op.create_table(
        "qa_scorecards",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("definition", JSONDocument, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=True),
        sa.Column("updated_by", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_scorecards")),
        sa.UniqueConstraint("key", "version", name=op.f("uq_qa_scorecards_key")),
    )
    op.create_index(op.f("ix_qa_scorecards_key"), "qa_scorecards", ["key"])
    op.create_table(
        "qa_plans",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("date_from", sa.Date(), nullable=False),
        sa.Column("date_to", sa.Date(), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("min_per_operator", sa.Integer(), nullable=False),
        sa.Column("min_per_stratum", sa.Integer(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("long_handle_s", sa.Float(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("strata", JSONDocument, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_plans")),
    )
    op.create_index(op.f("ix_qa_plans_created_at"), "qa_plans", ["created_at"])
    op.create_table(
        "qa_plan_calls",
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("call_at", UTCDateTime(), nullable=False),
        sa.Column("operator", sa.String(64), nullable=True),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("incident_type", sa.String(64), nullable=True),
        sa.Column("stratum", sa.String(80), nullable=False),
        sa.Column("reasons", JSONDocument, nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["qa_plans.id"], name=op.f("fk_qa_plan_calls_plan_id_qa_plans")
        ),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_qa_plan_calls_call_id_calls")
        ),
        sa.PrimaryKeyConstraint("plan_id", "call_id", name=op.f("pk_qa_plan_calls")),
    )
    op.create_index(op.f("ix_qa_plan_calls_call_id"), "qa_plan_calls", ["call_id"])
    op.create_table(
        "qa_calibrations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("scorecard_id", sa.Uuid(), nullable=False),
        sa.Column("call_ids", JSONDocument, nullable=False),
        sa.Column("evaluators", JSONDocument, nullable=False),
        sa.Column("kappa_threshold", sa.Float(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["scorecard_id"],
            ["qa_scorecards.id"],
            name=op.f("fk_qa_calibrations_scorecard_id_qa_scorecards"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_calibrations")),
    )
    op.create_index(op.f("ix_qa_calibrations_created_at"), "qa_calibrations", ["created_at"])
    op.create_table(
        "qa_evaluations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("scorecard_id", sa.Uuid(), nullable=False),
        sa.Column("evaluator", sa.String(64), nullable=False),
        sa.Column("operator", sa.String(64), nullable=True),
        sa.Column("call_at", UTCDateTime(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=True),
        sa.Column("in_plan", sa.Boolean(), nullable=False),
        sa.Column("calibration_id", sa.Uuid(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("level", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_qa_evaluations_call_id_calls")
        ),
        sa.ForeignKeyConstraint(
            ["scorecard_id"],
            ["qa_scorecards.id"],
            name=op.f("fk_qa_evaluations_scorecard_id_qa_scorecards"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["qa_plans.id"], name=op.f("fk_qa_evaluations_plan_id_qa_plans")
        ),
        sa.ForeignKeyConstraint(
            ["calibration_id"],
            ["qa_calibrations.id"],
            name=op.f("fk_qa_evaluations_calibration_id_qa_calibrations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_evaluations")),
        sa.UniqueConstraint(
            "calibration_id",
            "call_id",
            "evaluator",
            name=op.f("uq_qa_evaluations_calibration_id"),
        ),
    )
    for column in ("call_id", "scorecard_id", "evaluator", "operator", "call_at"):
        op.create_index(op.f(f"ix_qa_evaluations_{column}"), "qa_evaluations", [column])
    op.create_index(op.f("ix_qa_evaluations_calibration_id"), "qa_evaluations", ["calibration_id"])
    op.create_index(
        "uq_qa_evaluations_official",
        "qa_evaluations",
        ["call_id", "evaluator"],
        unique=True,
        sqlite_where=OFFICIAL,
        postgresql_where=OFFICIAL,
    )
    op.create_table(
        "qa_evaluation_revisions",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True,
            nullable=False,
        ),
        sa.Column("evaluation_id", sa.Uuid(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("answers", JSONDocument, nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("raw_score", sa.Float(), nullable=False),
        sa.Column("level", sa.String(32), nullable=False),
        sa.Column("critical_failures", JSONDocument, nullable=False),
        sa.Column("deviations", JSONDocument, nullable=False),
        sa.Column("sections", JSONDocument, nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["qa_evaluations.id"],
            name=op.f("fk_qa_evaluation_revisions_evaluation_id_qa_evaluations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_evaluation_revisions")),
        sa.UniqueConstraint(
            "evaluation_id", "revision", name=op.f("uq_qa_evaluation_revisions_evaluation_id")
        ),
    )  # fmt: skip
    op.create_index(
        op.f("ix_qa_evaluation_revisions_evaluation_id"),
        "qa_evaluation_revisions",
        ["evaluation_id"],
    )
    op.create_table(
        "qa_training_topics",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("operator", sa.String(64), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("evaluation_id", sa.Uuid(), nullable=True),
        sa.Column("item", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("closed_by", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["qa_evaluations.id"],
            name=op.f("fk_qa_training_topics_evaluation_id_qa_evaluations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_training_topics")),
    )
    for column in ("operator", "status", "created_at"):
        op.create_index(op.f(f"ix_qa_training_topics_{column}"), "qa_training_topics", [column])
    op.bulk_insert(
        scorecards,
        [
            {
                "id": ACE_ID,
                "key": "ace",
                "version": 1,
                "title": "Call-taking compliance (ACE-like)",
                "definition": ACE,
                "created_at": datetime(2026, 11, 22, tzinfo=UTC),
                "created_by": "system",
            }
        ],
    )


def downgrade() -> None:
    op.drop_table("qa_training_topics")
    op.drop_table("qa_evaluation_revisions")
    op.drop_table("qa_evaluations")
    op.drop_table("qa_calibrations")
    op.drop_table("qa_plan_calls")
    op.drop_table("qa_plans")
    op.drop_table("qa_scorecards")
