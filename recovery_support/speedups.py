"""Which of the speed changes are on: all of them, unless ``SPEEDUPS_OFF`` names some (comma-separated, or
``all``). Only for ``benchmarks/speed_cuts.py``, which measures each change against the bot without it in one run.

Names: ``sessions`` (sessions kept in memory), ``schema`` (the action reply's validator built once), ``graph``
(the planned graph runner), ``rules`` (RecentRulePolicy reading recent turns), ``events`` (recent events to the
action server), ``http`` (kept HTTP sessions), ``gc`` (freezing the loaded model's objects).
"""
import os

NAMES = ("sessions", "schema", "graph", "rules", "events", "http", "gc")


def enabled(name: str) -> bool:
    assert name in NAMES, name
    off = {part.strip() for part in os.environ.get("SPEEDUPS_OFF", "").split(",") if part.strip()}
    return not ({name, "all"} & off)
