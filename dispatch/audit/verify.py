"""``python -m dispatch audit verify``: walk the chain from seal 0 and check, link by link, that
the rows it covers are still exactly the rows that were sealed (none changed, deleted or added,
gaps included), that each link's hash follows from its rows and the link before, and that each
link agrees with its signed checkpoint line. The first disagreement is named: the row when the
seal table still says what the row was, else the seal. Rows newer than the last seal are
counted, not checked (the sealer takes them within seconds).

Reads in short transactions (``PAGE`` seals each), so a live server is barely held up.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from dispatch.audit import seals
from dispatch.audit.chain import SHORT_HEX, Link, decode_ids, seal_hash, short_digests
from dispatch.audit.checkpoints import Checkpoints, checkpoint_path, read

PAGE = 10
_ALL = 2**62


@dataclass(frozen=True)
class Finding:
    """The first sign of tampering: ``kind`` is changed, deleted, inserted, seal or checkpoint."""

    kind: str
    message: str
    row_id: int | None = None
    seq: int | None = None


@dataclass
class Report:
    """What verify found: the chain's extent and the first finding, if any."""

    chain: str = ""
    seals: int = 0
    rows: int = 0
    last_id: int = 0
    unsealed: int = 0
    checkpoints: Checkpoints | None = None
    vouched: int = 0
    finding: Finding | None = None

    @property
    def intact(self) -> bool:
        """True when nothing was found."""
        return self.finding is None

    def summary(self) -> str:
        """One paragraph for the operator."""
        if self.finding is not None:
            return f"audit log TAMPERED ({self.finding.kind}): {self.finding.message}"
        if self.checkpoints is None:
            signed = "signed checkpoints not checked (no checkpoint folder configured)"
        else:
            signed = (
                f"{self.vouched} of the {self.seals} seals match their signed checkpoints in "
                f"{self.checkpoints.path}"
            )
            if self.vouched < self.seals:
                signed += " (the others have no line there: sealed while it was not written)"
        return (
            f"audit log intact: {self.rows} rows in {self.seals} seals (ids up to "
            f"{self.last_id}), chain {self.chain[:16]}; {self.unsealed} newer rows not sealed "
            f"yet; {signed}"
        )


async def verify(engine: AsyncEngine, *, checkpoint_dir: Path | None, key: bytes) -> Report:
    """Check the audit log against its chain (and the checkpoint file when ``checkpoint_dir``
    is given); the report's ``finding`` names the first sign of tampering."""
    report = Report()
    async with engine.connect() as connection:
        start = await seals.genesis(connection)
        if start is None:
            report.finding = Finding(
                "seal", "seal 0, the start of the chain, is missing: the seal table was emptied"
            )
            return report
        report.chain = start.hash
        before = await seals.first_at_or_below(connection, start.last_id)
    if before is not None:
        report.finding = Finding(
            "inserted", f"row {before} was inserted: its id lies before the chain's start", before
        )
        return report
    if checkpoint_dir is not None:
        report.checkpoints = read(checkpoint_path(checkpoint_dir, start.hash), key, start.hash)
        if report.checkpoints.problems:
            report.finding = Finding("checkpoint", report.checkpoints.problems[0])
            return report
    previous = start
    while report.finding is None:
        async with engine.connect() as connection:
            page = await seals.links(connection, previous.seq, PAGE)
            for link in page:
                report.finding = await _check(connection, previous, link, report)
                if report.finding is not None:
                    return report
                previous = link
        if len(page) < PAGE:
            break
    report.finding = _after_walk(previous, report)
    async with engine.connect() as connection:
        report.unsealed = await seals.count_after(connection, previous.last_id)
    return report


async def _check(
    connection: AsyncConnection, previous: Link, link: Link, report: Report
) -> Finding | None:
    span = f"seal {link.seq} (ids {previous.last_id + 1}-{link.last_id})"
    if link.seq != previous.seq + 1:
        return Finding(
            "seal", f"seal {previous.seq + 1} is missing: seals were deleted", seq=previous.seq + 1
        )
    if link.last_id <= previous.last_id:
        return Finding("seal", f"seal {link.seq} does not follow seal {previous.seq}", seq=link.seq)
    rows = await seals.digests(connection, previous.last_id, link.last_id, _ALL)
    try:
        sealed = dict(zip(decode_ids(link.ids), short_digests(link.digests), strict=True))
    except ValueError:
        sealed = {}
    if len(sealed) != link.row_count:
        return Finding("seal", f"{span} was altered: its rows are unreadable", seq=link.seq)
    found = {row_id: digest.hex()[:SHORT_HEX] for row_id, digest in rows}
    for row_id in sorted(sealed.keys() | found.keys()):
        if row_id not in found:
            kind, how = "deleted", "deleted after it was sealed in"
        elif row_id not in sealed:
            kind, how = "inserted", "inserted after the sealing of"
        elif found[row_id] != sealed[row_id]:
            kind, how = "changed", "changed after it was sealed in"
        else:
            continue
        message = f"row {row_id} was {how} {span} at {link.sealed_at.isoformat()}"
        return Finding(kind, message, row_id, link.seq)
    if seal_hash(previous.hash, link.seq, link.last_id, (d for _, d in rows)) != link.hash:
        return Finding(
            "seal", f"{span}: its hash does not follow from its rows and seal {previous.seq}"
        )
    report.seals += 1
    report.rows += len(rows)
    report.last_id = link.last_id
    vouched = report.checkpoints.seals.get(link.seq) if report.checkpoints else None
    if vouched is not None:
        if (vouched.hash, vouched.last_id) != (link.hash, link.last_id):
            return Finding(
                "checkpoint",
                f"{span} differs from the signed checkpoint of {vouched.at} (line "
                f"{vouched.line}): its rows and the seal table were rewritten together",
                seq=link.seq,
            )
        report.vouched += 1
    return None


def _after_walk(last: Link, report: Report) -> Finding | None:
    signed = report.checkpoints
    if signed is None:
        return None
    newest = signed.last
    if newest is not None and newest.seq > last.seq:
        return Finding(
            "checkpoint",
            f"the seals end at seal {last.seq} (id {last.last_id}) but {signed.path} vouches "
            f"for seal {newest.seq} (id {newest.last_id}): sealed rows and their seals were "
            "removed (after restoring a backup, `python -m dispatch restore` notes the restore)",
            seq=last.seq + 1,
        )
    if report.seals and not report.vouched:
        return Finding(
            "checkpoint",
            f"{report.seals} seals but no signed checkpoint for any of them in {signed.path}: "
            "the seal table was rebuilt, or the checkpoints are elsewhere (--checkpoints DIR)",
        )
    return None
