"""While no external contact is set, `make run` and every staff page say so; once one is set, they don't."""
import subprocess
import sys
from dataclasses import replace

from recovery_support.alerts.config import ALERTS_CONFIG
from recovery_support.alerts.contact_check import warning_for
from recovery_support.paths import ROOT
from tests.staff.conftest import TEST_SETTINGS, logged_in

WITH_EMAIL = """
on_call:
  name: On-call counsellor
  email: {smtp_host: localhost, smtp_port: 2525, from: "alerts@example.org", starttls: false, to: [oncall@example.org]}
"""


def test_the_shipped_config_names_no_contact_and_make_run_says_so():
    assert "nobody is paged" in warning_for(ALERTS_CONFIG)
    run = subprocess.run([sys.executable, "-m", "recovery_support.alerts.contact_check"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 1 and "WARNING: No external alert contact is set in config/alerts.yml" in run.stderr
    assert "contact_check" in (ROOT / "scripts" / "run.sh").read_text()


def test_a_configured_contact_silences_the_warning_and_a_broken_file_is_reported(tmp_path):
    config = tmp_path / "alerts.yml"
    config.write_text(WITH_EMAIL)
    assert warning_for(config) is None
    config.write_text("on_call: [not, a, mapping")
    assert "cannot be read" in warning_for(config)
    assert "cannot be read" in warning_for(tmp_path / "missing.yml")


async def test_every_staff_page_shows_the_warning_while_no_contact_is_set(db, users, tmp_path):
    async with logged_in(db, "reviewer", replace(TEST_SETTINGS, alerts_config_path=str(ALERTS_CONFIG))) as client:
        for path in ("/conversations", "/"):
            html = await (await client.get(path)).text()
            assert "No external alert contact is set" in html, path
    config = tmp_path / "alerts.yml"
    config.write_text(WITH_EMAIL)
    async with logged_in(db, "reviewer", replace(TEST_SETTINGS, alerts_config_path=str(config))) as client:
        assert "No external alert contact" not in await (await client.get("/conversations")).text()
