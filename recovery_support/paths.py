"""Where the project's files live, resolved from the repository root so any working directory works."""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE_DIR = ROOT / "data" / "knowledge"
CLINIC_PROFILE = ROOT / "config" / "clinic.yml"
SPACY_PIPELINE = ROOT / "build" / "spacy_pipeline"
# The clinic's documents, kept beside the repository (as in CI); SHARED_DIR points elsewhere.
SHARED_DIR = Path(os.environ.get("SHARED_DIR", ROOT.parent / "shared"))
SEEDS_DIR = SHARED_DIR / "seeds"
