"""Runs the conversation test stories with Rasa's own evaluator against the trained model."""
import subprocess
import sys
from pathlib import Path

from recovery_support.paths import ROOT

STORIES = Path(__file__).parent / "test_conversations.yml"


def test_conversation_stories_pass(tmp_path):
    rasa = Path(sys.executable).parent / "rasa"
    result = subprocess.run(
        [str(rasa), "test", "core", "--stories", str(STORIES), "--model", str(ROOT / "models" / "clinic.tar.gz"),
         "--out", str(tmp_path), "--fail-on-prediction-errors", "--no-plot", "--e2e"],
        cwd=ROOT, capture_output=True, text=True,
    )
    failed = tmp_path / "failed_test_stories.yml"
    report = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0 and "story:" not in report, (
        f"failed stories:\n{report}\n--- rasa output ---\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
