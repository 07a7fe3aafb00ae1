"""A small protocol for the tests: it branches, runs a metronome, and has determinants with a
risk and a required escalation (the seeded protocols are tested on their own)."""

from __future__ import annotations

from typing import Any


def texts(english: str) -> dict[str, str]:
    """The same text marked per language (the tests read the language back)."""
    return {"uz": f"uz: {english}", "ru": f"ru: {english}", "kaa": f"kaa: {english}", "en": english}


def sample(code: str = "test_arrest") -> dict[str, Any]:
    """A protocol definition as the API takes it."""
    return {
        "code": code,
        "title": texts("Test arrest"),
        "incident_types": ["medical.cardiac_arrest"],
        "guidance": [{"title": "Test guidance", "publisher": "Test board", "year": 2021}],
        "start": "awake",
        "nodes": [
            {
                "id": "awake",
                "kind": "question",
                "entry": True,
                "text": texts("Is the patient awake?"),
                "answer": {"type": "yes_no"},
                "next": [
                    {"when": {"node": "awake", "equals": True}, "goto": "done"},
                    {"goto": "age"},
                ],
            },
            {
                "id": "age",
                "kind": "question",
                "text": texts("How old is the patient?"),
                "answer": {"type": "number", "minimum": 0, "maximum": 130, "unit": "y"},
                "next": [
                    {"when": {"node": "age", "at_most": 0.9}, "goto": "infant"},
                    {"goto": "breathing"},
                ],
            },
            {
                "id": "infant",
                "kind": "instruction",
                "text": texts("Two fingers in the middle of the chest."),
                "next": [{"goto": "breathing"}],
            },
            {
                "id": "breathing",
                "kind": "question",
                "text": texts("Is the patient breathing normally?"),
                "answer": {
                    "type": "choice",
                    "choices": [
                        {"code": "normal", "text": texts("Normally")},
                        {"code": "gasping", "text": texts("Gasping")},
                        {"code": "none", "text": texts("Not at all")},
                    ],
                },
                "next": [
                    {"when": {"node": "breathing", "one_of": ["gasping", "none"]}, "goto": "push"},
                    {"goto": "done"},
                ],
            },
            {
                "id": "push",
                "kind": "instruction",
                "text": texts("Push hard and fast in the centre of the chest."),
                "timer": {"kind": "metronome", "rate_per_min": 110, "handover_every_s": 120},
                "next": [{"goto": "done"}],
            },
            {"id": "done", "kind": "end", "text": texts("Stay with the patient.")},
        ],
        "determinants": [
            {
                "code": "TA-1",
                "title": texts("Not breathing"),
                "when": {"node": "breathing", "one_of": ["gasping", "none"]},
                "priority": 1,
                "services": ["103"],
                "risk": "high",
                "escalation_required": True,
            },
            {
                "code": "TA-2",
                "title": texts("Unconscious, breathing"),
                "when": {"node": "awake", "equals": False},
                "priority": 2,
                "services": ["103"],
            },
        ],
    }
