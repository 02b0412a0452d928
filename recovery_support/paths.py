"""Where the project's files live, resolved from the repository root so any working directory works."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE_DIR = ROOT / "data" / "knowledge"
CLINIC_PROFILE = ROOT / "config" / "clinic.yml"
SPACY_PIPELINE = ROOT / "build" / "spacy_pipeline"
SEEDS_DIR = ROOT.parent / "shared" / "seeds"
