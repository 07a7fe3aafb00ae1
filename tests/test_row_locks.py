"""Every row lock the server takes lets foreign-key checks through (issue 21).

``SELECT ... FOR UPDATE`` on a row blocks every insert that references it: PostgreSQL's
foreign-key check takes ``FOR KEY SHARE``, which only ``FOR UPDATE`` conflicts with. Measured
with two server processes (BENCHMARKS.md, "Several processes"): a gateway event locked the call
``FOR UPDATE`` then its queue entry, while the ACD locked the entry then inserted the offer's
gateway command referencing the call — a deadlock, answered 500. The server's locks serialise
its own changes to a row, never its key, so they take ``FOR NO KEY UPDATE`` (``key_share=True``),
which still conflicts with every other update and lock but not with the checks of the rows
that point at it; a shared lock (``read=True``) is the other choice.

A small AST walk over ``dispatch/`` (run by ``make lint``): a ``.with_for_update(...)`` call
must pass ``key_share=True`` or ``read=True``, a ``session.get(..., with_for_update=...)`` a
mapping with ``"key_share": True``.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "dispatch"


def _is_true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _lets_keys_through(call: ast.Call) -> bool:
    """A ``with_for_update(...)`` call that is ``FOR NO KEY UPDATE`` or ``FOR SHARE``."""
    keywords = {k.arg: k.value for k in call.keywords}
    return _is_true(keywords.get("key_share")) or _is_true(keywords.get("read"))


def _get_lets_keys_through(value: ast.expr) -> bool:
    """``with_for_update=`` of ``session.get``: a dict literal with ``"key_share": True``."""
    if not isinstance(value, ast.Dict):
        return False
    pairs = zip(value.keys, value.values, strict=True)
    return any(
        isinstance(k, ast.Constant) and k.value in ("key_share", "read") and _is_true(v)
        for k, v in pairs
    )


def locks_that_block_foreign_keys(source: str, name: str) -> list[str]:
    """Where ``source`` takes a row lock that foreign-key checks must wait for."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source, name)):
        if not isinstance(node, ast.Call):
            continue
        callee = node.func
        plain = isinstance(callee, ast.Attribute) and callee.attr == "with_for_update"
        if plain and not _lets_keys_through(node):
            found.append(f"{name}:{node.lineno}: with_for_update without key_share=True")
        for keyword in node.keywords:
            if keyword.arg == "with_for_update" and not _get_lets_keys_through(keyword.value):
                found.append(f"{name}:{node.lineno}: with_for_update= without key_share")
    return found


def test_every_row_lock_lets_foreign_key_checks_through() -> None:
    found = [
        place
        for path in sorted(PACKAGE.rglob("*.py"))
        for place in locks_that_block_foreign_keys(
            path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE))
        )
    ]
    assert found == []


def test_the_walk_finds_a_plain_lock() -> None:
    source = """
async def f(session, query, Row):
    await session.scalar(query.with_for_update())
    await session.scalar(query.with_for_update(skip_locked=True))
    await session.get(Row, 1, with_for_update=True)
    await session.scalar(query.with_for_update(key_share=True, skip_locked=True))
    await session.scalar(query.with_for_update(read=True))
    await session.get(Row, 1, with_for_update={"key_share": True})
"""
    assert sorted(
        line.split(": ")[0] for line in locks_that_block_foreign_keys(source, "x.py")
    ) == [
        "x.py:3",
        "x.py:4",
        "x.py:5",
    ]
