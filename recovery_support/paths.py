"""Where the project's files live, resolved from the repository root so any working directory works."""
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE_DIR = ROOT / "data" / "knowledge"
CLINIC_PROFILE = ROOT / "config" / "clinic.yml"
SPACY_PIPELINE = ROOT / "build" / "spacy_pipeline"


def _shared_dir() -> Path:
    """The clinic's documents: $SHARED_DIR, else ``shared/`` beside the repository (as in CI), else beside the
    local repository this one was cloned from (a scratch clone such as /tmp/x has nothing beside it)."""
    if os.environ.get("SHARED_DIR"):
        return Path(os.environ["SHARED_DIR"])
    beside = ROOT.parent / "shared"
    if beside.exists():
        return beside
    try:
        origin = subprocess.run(["git", "-C", str(ROOT), "remote", "get-url", "origin"], capture_output=True,
                                text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        origin = ""
    if origin and Path(origin).is_dir() and (Path(origin).resolve().parent / "shared").exists():
        return Path(origin).resolve().parent / "shared"
    return beside


SHARED_DIR = _shared_dir()
SEEDS_DIR = SHARED_DIR / "seeds"
