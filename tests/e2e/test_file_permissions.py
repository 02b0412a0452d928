"""The embedded default's database holds health records: the real server leaves it readable by its owner only."""
import stat

from recovery_support.alerts.db import make_engine


def test_the_conversation_database_is_private_to_its_owner(bot):
    bot.send("what is detox")
    for path in (bot.db_path, bot.db_path.with_name(bot.db_path.name + "-wal")):
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_any_process_that_opens_it_puts_the_mode_back(tmp_path):
    path = tmp_path / "conversations.db"
    path.touch(mode=0o644)
    path.chmod(0o644)
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect():
        pass
    engine.dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
