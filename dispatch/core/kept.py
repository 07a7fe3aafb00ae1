"""What a transaction keeps on its session until it commits (the audit's rows, the bus's
events, the queues' counters), taken back with a savepoint that rolls back.

Each of them is a list in ``session.info`` under a key of its own, written or published when
the transaction commits and dropped when it rolls back. Inside a savepoint
(``session.begin_nested()``) the savepoint's rollback must take back what was kept in it, as
the database takes back its statements: an audit entry, an event or a count of something that
did not happen would otherwise survive it. :func:`until_commit` names such a key; the session
events below note each list's length when a savepoint begins and cut the lists back to it when
the savepoint rolls back, and drop them all when the whole transaction does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

_KEYS: list[str] = []
# What writes a list at the commit, in the order named: (key, writer).
_WRITERS: list[tuple[str, Callable[[Session, list[Any]], None]]] = []
# The savepoints begun in the transaction, innermost last: (savepoint, length of each list).
_MARKS = "dispatch.kept.savepoints"


def until_commit(key: str) -> str:
    """Name ``key`` as a list kept until the commit; returns the key."""
    if key not in _KEYS:
        _KEYS.append(key)
    return key


def write_at_commit(key: str, writer: Callable[[Session, list[Any]], None]) -> str:
    """Name ``key`` as a list kept until the commit and written then by ``writer`` (given the
    synchronous session, whose connection runs statements under asyncio too, and the list);
    returns the key. Writers run in the order named, at the transaction's commit only."""
    until_commit(key)
    _WRITERS.append((key, writer))
    return key


@event.listens_for(Session, "before_commit")
def _write(session: Session) -> None:
    if not _committing(session):
        return
    for key, writer in _WRITERS:
        items = session.info.pop(key, None)
        if items:
            writer(session, items)


def _committing(session: Session) -> bool:
    """In a ``before_commit`` listener: whether this is the transaction's commit, not a
    savepoint's release (``before_commit`` comes for both). What is kept is written at the
    commit only (:func:`write_at_commit`): written at a release, it would be inside an
    enclosing savepoint, whose rollback would take back rows kept before that savepoint
    began."""
    return not session.in_nested_transaction()


@event.listens_for(Session, "after_transaction_create")
def _savepoint_begun(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        lengths = {key: len(session.info.get(key, ())) for key in _KEYS}
        session.info.setdefault(_MARKS, []).append((transaction, lengths))


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous: SessionTransaction) -> None:
    if previous.parent is None:  # the whole transaction: nothing kept stands
        for key in _KEYS:
            session.info.pop(key, None)
        return
    if not previous.nested:
        return
    marks: list[tuple[SessionTransaction, dict[str, int]]] = session.info.get(_MARKS, [])
    for index, (savepoint, lengths) in enumerate(marks):
        if savepoint is previous:
            for key, length in lengths.items():
                kept: list[Any] | None = session.info.get(key)
                if kept is not None:
                    del kept[length:]
            del marks[index:]  # it and every savepoint begun inside it
            return


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the transaction itself: its savepoints are over
        session.info.pop(_MARKS, None)
