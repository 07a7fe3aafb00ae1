"""Every bus topic is a constant of its capability's ``events.py`` (issue 30).

A small AST walk over ``dispatch/`` outside ``core`` (which holds the bus and the mechanism):

- the topic given to ``emit(session, topic, payload)``, to ``….subscribe(pattern)`` and to
  ``run_on_events(bus, pattern, …)`` is never written as a string: no literal, no f-string, no
  string built with ``+``/``%``/``.format``, nor a name this module binds to one (also through
  a ``for`` over a tuple of them);
- a ``Topic``, ``Prefix`` or ``Family`` is made only in a capability's ``events.py``, where the
  topic's name and its payload's TypedDict are written once.

Mypy does the rest: ``emit`` takes a ``Topic[P]`` and a payload of type ``P`` only, a console
part's ``topics`` only constants. Migrations are left out.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "dispatch"
SKIPPED = ("core", "migrations")
CONSTRUCTORS = frozenset({"Topic", "Prefix", "Family"})

# (file under dispatch/, what is found there) → why it stays; keep this empty or short.
EXCEPTIONS: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Finding:
    """A topic written as a string, or a topic made outside an ``events.py``."""

    path: str
    line: int
    code: str

    def __str__(self) -> str:
        return f"dispatch/{self.path}:{self.line}: {self.code}"


# The bus's calls: the function or method name, the topic's position and keyword.
_TOPIC_ARGUMENT = {
    "emit": (1, "topic"),
    "subscribe": (0, "pattern"),
    "run_on_events": (1, "pattern"),
}


def _topic_argument(call: ast.Call) -> ast.expr | None:
    """The argument naming the topic, when ``call`` is one of the bus's calls (``subscribe``
    as a method only: ``bus.subscribe``, ``runtime.bus.subscribe``)."""
    func = call.func
    if isinstance(func, ast.Attribute):
        name = func.attr
    elif isinstance(func, ast.Name) and func.id != "subscribe":
        name = func.id
    else:
        return None
    if name not in _TOPIC_ARGUMENT:
        return None
    position, keyword = _TOPIC_ARGUMENT[name]
    for given in call.keywords:
        if given.arg == keyword:
            return given.value
    return call.args[position] if len(call.args) > position else None


def _constructor(call: ast.Call) -> bool:
    """``Topic(…)``, ``Topic[P](…)``, ``events.Prefix(…)`` and the like."""
    func = call.func
    if isinstance(func, ast.Subscript):
        func = func.value
    if isinstance(func, ast.Attribute):
        return func.attr in CONSTRUCTORS
    return isinstance(func, ast.Name) and func.id in CONSTRUCTORS


class _Finder(ast.NodeVisitor):
    def __init__(self, path: str, tree: ast.Module) -> None:
        self.path = path
        self.found: list[Finding] = []
        # Names bound in this module (at any depth) to what they were bound to, and loop
        # variables to what they iterate over: enough to see through ``TOPIC = "x"``.
        self.bound: dict[str, ast.expr] = {}
        self.iterated: dict[str, ast.expr] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.bound[target.id] = node.value
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                if node.value is not None:
                    self.bound[node.target.id] = node.value
            elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension) and isinstance(
                node.target, ast.Name
            ):
                self.iterated[node.target.id] = node.iter

    def _note(self, node: ast.AST) -> None:
        code = ast.unparse(node).splitlines()[0][:120]
        self.found.append(Finding(self.path, getattr(node, "lineno", 0), code))

    def visit_Call(self, node: ast.Call) -> None:
        topic = _topic_argument(node)
        if topic is not None and self._is_text(topic):
            self._note(node)
        if _constructor(node) and not self.path.endswith("events.py"):
            self._note(node)
        self.generic_visit(node)

    def _is_text(self, node: ast.expr, *, depth: int = 0) -> bool:
        """Whether ``node`` is (or names, or iterates over) a string written here."""
        if depth > 5:
            return False
        if isinstance(node, ast.Constant):
            return isinstance(node.value, str)
        if isinstance(node, ast.JoinedStr):
            return True
        if isinstance(node, ast.BinOp):
            return self._is_text(node.left, depth=depth + 1) or self._is_text(
                node.right, depth=depth + 1
            )
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            return node.func.attr == "format" and self._is_text(node.func.value, depth=depth + 1)
        if not isinstance(node, ast.Name):
            return False
        if node.id in self.iterated:
            iterable = self.iterated[node.id]
            if isinstance(iterable, ast.Name):
                iterable = self.bound.get(iterable.id, iterable)
            elements = iterable.elts if isinstance(iterable, ast.Tuple | ast.List | ast.Set) else []
            return any(self._is_text(element, depth=depth + 1) for element in elements)
        return node.id in self.bound and self._is_text(self.bound[node.id], depth=depth + 1)


def findings_in(path: str, source: str) -> list[Finding]:
    """What the check finds in one module's source."""
    tree = ast.parse(source)
    finder = _Finder(path, tree)
    finder.visit(tree)
    return finder.found


def topic_findings() -> list[Finding]:
    """Every finding in ``dispatch/`` (core and migrations aside)."""
    found: list[Finding] = []
    for file in sorted(PACKAGE.rglob("*.py")):
        relative = file.relative_to(PACKAGE).as_posix()
        if relative.split("/")[0] in SKIPPED:
            continue
        found += findings_in(relative, file.read_text(encoding="utf-8"))
    return found


def test_topics_are_the_capabilities_constants() -> None:
    stray = [str(f) for f in topic_findings() if (f.path, f.code) not in EXCEPTIONS]
    assert not stray, (
        "a bus topic written as a string, or made outside an events.py:\n" + "\n".join(stray)
    )


def test_every_exception_still_applies() -> None:
    """An exception left behind after the code moved fails, so the list stays true."""
    found = {(f.path, f.code) for f in topic_findings()}
    assert not EXCEPTIONS.keys() - found


def test_the_check_finds_each_kind_of_topic_written_as_a_string() -> None:
    source = """
TOPIC = "card.closed"
WAKE_ON = ("queue.*", "callback.*")
def stray(session, bus, runtime, change):
    emit(session, "service.created", {"code": "101"})
    emit(session, f"card.{change}", payload)
    emit(session, topic="card." + change, payload={})
    bus.subscribe("card.*")
    runtime.bus.subscribe(TOPIC, remote=True)
    [runtime.bus.subscribe(t) for t in WAKE_ON]
    run_on_events(bus, "feed.{}".format(change), work, idle_s=1, name="x")
    LATER = Topic[Later]("later.happened")
    emit(session, events.CLOSED, events.Closed(card_id="1"))
    emit(session, events.CARD(change), payload)
    bus.subscribe(events.SERVICE, remote=True)
    pubsub.unsubscribe("dispatch:bus")
    log.info("card.closed", card=1)
"""
    found = findings_in("cards/example.py", source)
    assert [f.line for f in found] == [5, 6, 7, 8, 9, 10, 11, 12]


def test_an_events_module_may_make_topics() -> None:
    source = 'CLOSED = Topic[Closed]("card.closed")\nCARD = Family[Changed, Change]("card.")\n'
    assert findings_in("cards/events.py", source) == []
    assert len(findings_in("cards/store.py", source)) == 2
