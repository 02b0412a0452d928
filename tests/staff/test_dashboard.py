"""Dashboard figures and their server-drawn SVG charts."""
import re
import time
from datetime import date

from recovery_support.staff.charts import column_chart, row_chart
from recovery_support.staff.dashboard import stats
from recovery_support.staff.projector import project_all
from tests.staff.conftest import insert_handoff, insert_turn, logged_in

DAY = 86400.0
T0 = 1_760_000_000.0  # 2025-10-09


def seed(engine, t0=T0):
    insert_turn(engine, "a", "hi", intent="greet", timestamp=t0)
    insert_turn(engine, "a", "what is detox", intent="what_is_detox", timestamp=t0 + 5)
    insert_turn(engine, "b", "??", intent="nlu_fallback", timestamp=t0 + DAY)
    event_id = insert_turn(engine, "c", "took too much", intent="crisis_overdose", timestamp=t0 + DAY)
    insert_turn(engine, "c", "hello", intent="greet", timestamp=t0 + DAY + 5)
    insert_handoff(engine, "c", event_id)
    project_all(engine)


def test_stats(any_db):
    seed(any_db)
    s = stats(any_db, days=3, today=date(2025, 10, 11))
    assert s["conversations"] == 3 and s["crisis_conversations"] == 1
    assert (s["user_turns"], s["fallback_turns"]) == (5, 1) and abs(s["fallback_rate"] - 0.2) < 1e-9
    assert s["per_day"] == [("2025-10-09", 1), ("2025-10-10", 2), ("2025-10-11", 0)]
    assert s["top_intents"] == [("greet", 2), ("crisis_overdose", 1), ("nlu_fallback", 1), ("what_is_detox", 1)]
    assert s["handoffs"] == {"open": 1}
    # Outside the window nothing counts.
    assert stats(any_db, days=3, today=date(2026, 1, 1))["conversations"] == 0


def test_chart_geometry():
    chart = column_chart([("d1", 1), ("d2", 4), ("d3", 0)], width=300, height=100)
    assert [round(b.height) for b in chart.bars] == [25, 100, 0]
    assert [round(b.x) for b in chart.bars] == [1, 101, 201]
    rows = row_chart([("greet", 10), ("bye", 5)], width=200)
    assert [b.width for b in rows.bars] == [200, 100]
    assert column_chart([]).bars == [] and row_chart([]).max_value == 1


async def test_dashboard_page_draws_svg(db, users):
    seed(db, time.time() - 3 * DAY)  # the page shows the last 30 days from today
    async with logged_in(db, "reviewer") as client:
        html = await (await client.get("/")).text()
    assert html.count("<svg") == 2
    assert len(re.findall(r"<rect ", html)) == 30 + 4  # 30 days, 4 intents
    assert "<title>greet: 2</title>" in html
    assert "open handoffs" in html
