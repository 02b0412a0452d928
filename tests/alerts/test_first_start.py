"""A first start (no cursor) on a database with history alerts only recent crises and warns about the rest."""
import logging
import time
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from recovery_support.alerts.intake import Intake
from recovery_support.alerts.models import create_tables
from tests.alerts.conftest import fast_config, insert_crisis, insert_event, rows, running_worker, wait_for

ON_CALL = {"webhook": {"url": "http://127.0.0.1:9/hook"}}
HOUR = 3600.0


def hours_ago(hours: float) -> float:
    return time.time() - hours * HOUR


def make_intake(engine, clock=None, **config):
    create_tables(engine)
    if clock is None:
        return Intake(engine, fast_config(on_call=ON_CALL, **config), "http://ack.test")
    return Intake(engine, fast_config(on_call=ON_CALL, **config), "http://ack.test", clock)


def skip_warnings(caplog):
    return [r for r in caplog.records if r.levelno == logging.WARNING and "NOT alerted" in r.getMessage()]


def utc_text(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def test_first_start_alerts_the_recent_crisis_only_and_warns_about_the_old_ones(engine, caplog):
    caplog.set_level(logging.WARNING)
    oldest, newest = hours_ago(24 * 90), hours_ago(30)
    insert_crisis(engine, "months ago", timestamp=oldest)
    insert_event(engine, text="hi", timestamp=hours_ago(29))
    last_old = insert_crisis(engine, "yesterday-ish", "suicidal", timestamp=newest)
    recent = insert_crisis(engine, "an hour ago", timestamp=hours_ago(1))

    result = make_intake(engine).run_once()

    assert len(result.created) == 1
    assert rows(engine, "select event_id from handoffs") == [{"event_id": recent}]
    [warning] = skip_warnings(caplog)
    message = warning.getMessage()
    assert "2 crisis message(s) older than 24 h" in message
    assert utc_text(oldest) in message and utc_text(newest) in message
    assert "crisis=yes" in message
    assert rows(engine, "select last_event_id from alert_cursor") == [{"last_event_id": recent}]
    assert last_old < recent

    # Every later start has a cursor: nothing new is raised, nothing is logged again.
    caplog.clear()
    assert make_intake(engine).run_once().created == []
    assert skip_warnings(caplog) == []
    # ... and it reads on from the cursor as before, whatever a new row's timestamp says.
    late = insert_crisis(engine, "restored from a backup", timestamp=hours_ago(100))
    assert len(make_intake(engine).run_once().created) == 1
    assert rows(engine, "select event_id from handoffs order by id")[-1] == {"event_id": late}
    assert skip_warnings(caplog) == []


def test_with_no_old_crisis_nothing_is_logged(engine, caplog):
    caplog.set_level(logging.WARNING)
    insert_event(engine, text="hi", timestamp=hours_ago(500))  # old history, but no crisis in it
    insert_crisis(engine, timestamp=hours_ago(2))
    assert len(make_intake(engine).run_once().created) == 1
    assert skip_warnings(caplog) == []


def test_the_window_is_a_setting(engine, caplog):
    caplog.set_level(logging.WARNING)
    insert_crisis(engine, "three days ago", timestamp=hours_ago(72))
    insert_crisis(engine, "two hours ago", timestamp=hours_ago(2))
    assert len(make_intake(engine, first_start_lookback_hours=1).run_once().created) == 0
    [warning] = skip_warnings(caplog)
    assert "2 crisis message(s) older than 1 h" in warning.getMessage()


def test_the_window_ends_at_the_start_so_a_crisis_after_it_is_alerted_however_late_the_first_read(engine, caplog):
    """The worker started 48 h ago, but its first read only succeeds now (say the database was down)."""
    caplog.set_level(logging.WARNING)
    started = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(hours=48)
    intake = make_intake(engine, clock=lambda: started)
    insert_crisis(engine, "before the start", timestamp=hours_ago(100))
    after_start = insert_crisis(engine, "after the start", timestamp=hours_ago(47))
    assert len(intake.run_once().created) == 1
    assert rows(engine, "select event_id from handoffs") == [{"event_id": after_start}]
    assert "1 crisis message(s)" in skip_warnings(caplog)[0].getMessage()


def test_a_recent_crisis_is_never_skipped_when_ids_and_timestamps_disagree(engine, caplog):
    """Only old turns below the first recent one are skipped; an old one above it is alerted (the safe side)."""
    caplog.set_level(logging.WARNING)
    insert_crisis(engine, "old", timestamp=hours_ago(48))
    recent = insert_crisis(engine, "recent", timestamp=hours_ago(1))
    old_above = insert_crisis(engine, "old, but written after", timestamp=hours_ago(48))
    assert len(make_intake(engine).run_once().created) == 2
    assert rows(engine, "select event_id from handoffs order by event_id") == [
        {"event_id": recent}, {"event_id": old_above}]
    assert "1 crisis message(s)" in skip_warnings(caplog)[0].getMessage()


def test_a_crisis_that_already_has_a_handoff_is_not_counted_when_the_cursor_is_lost(engine, caplog):
    caplog.set_level(logging.WARNING)
    insert_crisis(engine, timestamp=hours_ago(48))
    assert len(make_intake(engine, first_start_lookback_hours=100).run_once().created) == 1
    with engine.begin() as connection:
        connection.execute(sa.text("delete from alert_cursor"))
    assert make_intake(engine).run_once().created == []
    assert skip_warnings(caplog) == []


async def test_the_running_worker_alerts_a_crisis_written_just_after_it_started(engine, caplog):
    caplog.set_level(logging.WARNING)
    insert_crisis(engine, "last spring", timestamp=hours_ago(24 * 200))
    async with running_worker(fast_config(), engine):
        fresh = insert_crisis(engine, "right now")  # may land before or after the first poll: alerted either way
        await wait_for(lambda: rows(engine, "select event_id from handoffs"), what="the new handoff")
    assert rows(engine, "select event_id from handoffs") == [{"event_id": fresh}]
    assert len(skip_warnings(caplog)) == 1
