"""Every status is written by its lifecycle's transition function, nowhere else (issue 30).

A small AST walk over ``dispatch/``: an assignment to an attribute named ``status`` (``row.status
= …``, also inside a tuple assignment) and a ``.values(status=…)`` / ``.values({"status": …})``
of an UPDATE statement are allowed only inside the functions named below, each of which checks
its lifecycle's table of allowed moves (or is that table's guarded statement). A row created with
its first status (``Row(status=…)``, ``insert(…).values(status=…)``) is not a transition and is
not looked at. Migrations are left out: they rewrite stored rows, they do not move them.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "dispatch"
SKIPPED = ("migrations",)

# (file under dispatch/, function) → the lifecycle whose table it applies.
TRANSITION_FUNCTIONS: dict[tuple[str, str], str] = {
    ("callbacks/lifecycle.py", "move"): "callback task: CALLBACK_TRANSITIONS",
    ("queues/lifecycle.py", "move_entry"): "queue entry: ENTRY_TRANSITIONS",
    ("queues/lifecycle.py", "entry_update"): "queue entry, as one guarded UPDATE",
    ("queues/lifecycle.py", "move_offer"): "offer: OFFER_TRANSITIONS",
    ("feeds/states.py", "_statement"): "delivery: DELIVERY_TRANSITIONS, one guarded UPDATE",
    ("calls/timeline.py", "_apply"): "call: the timeline replayed through CALL_TRANSITIONS",
    ("calls/gateway/service.py", "mark_sent"): "gateway command: COMMAND_TRANSITIONS guard",
    ("calls/gateway/service.py", "acknowledge"): "gateway command: _check_transition first",
    ("calls/gateway/service.py", "fail"): "gateway command: _check_transition first",
    ("calls/gateway/service.py", "_withdraw"): "gateway command: COMMAND_TRANSITIONS guard",
    ("control/legs.py", "settle"): "call leg: LEG_TRANSITIONS checked first",
    ("escalations/service.py", "take"): "escalation: TRANSITIONS checked first",
    ("escalations/service.py", "resolve"): "escalation: TRANSITIONS checked first",
    ("qa/training.py", "update_topic"): "training topic: TRANSITIONS checked first",
    ("protocols/service.py", "_move"): "protocol version: TRANSITIONS checked first",
    ("training/sessions.py", "_move"): "training session: TRANSITIONS checked first",
    ("surveys/service.py", "_move"): "survey: SURVEY_TRANSITIONS checked first",
    ("wellbeing/service.py", "_move_offer"): "break offer: OFFER_TRANSITIONS checked first",
    ("wellbeing/service.py", "_move_debrief"): "debrief: DEBRIEF_TRANSITIONS checked first",
}
# Writes that are no lifecycle move, each with its reason; keep this empty or short.
EXCEPTIONS: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Write:
    """A status written somewhere in the package."""

    path: str
    function: str
    line: int
    code: str

    def __str__(self) -> str:
        return f"dispatch/{self.path}:{self.line} in {self.function or '<module>'}: {self.code}"


class _Finder(ast.NodeVisitor):
    def __init__(self, path: str) -> None:
        self.path = path
        self.functions: list[str] = []
        self.found: list[Write] = []

    def _note(self, node: ast.AST) -> None:
        function = self.functions[-1] if self.functions else ""
        code = ast.unparse(node).splitlines()[0][:120]
        self.found.append(Write(self.path, function, getattr(node, "lineno", 0), code))

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.functions.append(node.name)
        self.generic_visit(node)
        self.functions.pop()

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self.visit_FunctionDef(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        if any(_writes_status(target) for target in node.targets):
            self._note(node)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if _writes_status(node.target):
            self._note(node)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if _writes_status(node.target):
            self._note(node)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if _sets_status(node) and not _on_insert(node):
            self._note(node)
        if (
            isinstance(node.func, ast.Name)
            and node.func.id == "setattr"
            and len(node.args) > 1
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value == "status"
        ):
            self._note(node)
        self.generic_visit(node)


def _writes_status(target: ast.expr) -> bool:
    if isinstance(target, ast.Attribute):
        return target.attr == "status"
    if isinstance(target, ast.Tuple | ast.List):
        return any(_writes_status(element) for element in target.elts)
    return False


def _sets_status(call: ast.Call) -> bool:
    """``….values(status=…)`` or ``….values({"status": …})`` (also ``on_conflict_do_update``'s
    ``set_``)."""
    if not isinstance(call.func, ast.Attribute) or call.func.attr not in {
        "values",
        "on_conflict_do_update",
    }:
        return False
    for keyword in call.keywords:
        if keyword.arg == "status":
            return True
        if keyword.arg == "set_" and _dict_has_status(keyword.value):
            return True
    return any(_dict_has_status(argument) for argument in call.args)


def _dict_has_status(node: ast.expr) -> bool:
    return isinstance(node, ast.Dict) and any(
        isinstance(key, ast.Constant) and key.value == "status" for key in node.keys
    )


def _on_insert(call: ast.Call) -> bool:
    """The ``.values`` belongs to an ``insert(…)`` chain (a new row's first status)."""
    node: ast.expr = call.func
    while isinstance(node, ast.Attribute | ast.Call):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name) and node.func.id == "insert":
                return True
            if isinstance(node.func, ast.Attribute) and node.func.attr == "insert":
                return True
            node = node.func
        else:
            node = node.value
    return False


def status_writes() -> list[Write]:
    """Every status write in ``dispatch/`` (migrations aside)."""
    found: list[Write] = []
    for file in sorted(PACKAGE.rglob("*.py")):
        relative = file.relative_to(PACKAGE).as_posix()
        if relative.split("/")[0] in SKIPPED:
            continue
        finder = _Finder(relative)
        finder.visit(ast.parse(file.read_text(encoding="utf-8"), filename=str(file)))
        found += finder.found
    return found


def test_statuses_are_written_only_by_transition_functions() -> None:
    allowed = TRANSITION_FUNCTIONS.keys() | EXCEPTIONS.keys()
    stray = [str(w) for w in status_writes() if (w.path, w.function) not in allowed]
    assert not stray, "a status written outside its transition function:\n" + "\n".join(stray)


def test_every_named_function_still_writes_a_status() -> None:
    """A name left behind after the code moved fails, so the lists stay true."""
    writers = {(w.path, w.function) for w in status_writes()}
    assert not (TRANSITION_FUNCTIONS.keys() | EXCEPTIONS.keys()) - writers


def test_the_check_finds_each_kind_of_write() -> None:
    source = """
def stray(row, rows):
    row.status = "x"
    row.status, row.at = "x", 1
    update(table).where(ok).values(status="x")
    update(table).values({"status": "x"})
    setattr(row, "status", "x")
    insert(table).values(status="new")
    Row(status="new")
"""
    finder = _Finder("example.py")
    finder.visit(ast.parse(source))
    assert [w.line for w in finder.found] == [3, 4, 5, 6, 7]
