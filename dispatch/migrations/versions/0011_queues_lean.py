"""Queues: the offering order of waiting calls as indexes (per queue, and per queue and
language), so an ACD tick reads only the calls it can offer; calls meant for one operator found
by that operator; the seeded skills queues no longer hold calls back by penalty (their widening
window, where nobody changed it, admits every operator with the skills at once).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dispatch.core.database import JSONDocument

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

ORDER = (sa.text("priority DESC"), "entered_at", "id")
SKILLS_QUEUES = ("voice-uz", "voice-ru", "voice-kaa")
WIDENING = [
    {"after_s": 0, "max_penalty": 0},
    {"after_s": 10, "max_penalty": 1},
    {"after_s": 20, "max_penalty": 9},
]
EVERYONE = [{"after_s": 0, "max_penalty": 9}]


def upgrade() -> None:
    """Indexes in the offering order; the seeded skills queues' window opened."""
    with op.batch_alter_table("queue_entries") as batch:
        batch.drop_index("ix_queue_entries_status_queue")
        batch.create_index("ix_queue_entries_offer_order", ["status", "queue", *ORDER])
        batch.create_index(
            "ix_queue_entries_offer_language", ["status", "queue", "language", *ORDER]
        )
        batch.create_index("ix_queue_entries_target_operator", ["target_operator", "status"])
    _set_steps(WIDENING, EVERYONE)


def downgrade() -> None:
    """Back to the status and queue index and the widening window."""
    _set_steps(EVERYONE, WIDENING)
    with op.batch_alter_table("queue_entries") as batch:
        batch.drop_index("ix_queue_entries_target_operator")
        batch.drop_index("ix_queue_entries_offer_language")
        batch.drop_index("ix_queue_entries_offer_order")
        batch.create_index("ix_queue_entries_status_queue", ["status", "queue"])


def _set_steps(before: list[dict[str, int]], after: list[dict[str, int]]) -> None:
    """The seeded skills queues whose steps are still ``before`` get ``after``."""
    bind = op.get_bind()
    queues = sa.table(
        "queues", sa.column("name", sa.String), sa.column("penalty_steps", JSONDocument)
    )
    rows = bind.execute(
        sa.select(queues.c.name, queues.c.penalty_steps).where(queues.c.name.in_(SKILLS_QUEUES))
    ).all()
    for name, stored in rows:
        if stored != before:
            continue  # a supervisor chose these steps: they stay
        bind.execute(queues.update().where(queues.c.name == name).values(penalty_steps=after))
