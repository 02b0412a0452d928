"""Trains the Rasa model only when what it is made of changed.

A content hash (not file times: a fresh clone's are all new) over the config, the domain, the training data
and the spaCy pipeline. The knowledge base is not part of it: answer wording changes need no retraining.
"""
import hashlib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "clinic.tar.gz"
FINGERPRINT = ROOT / "models" / ".fingerprint"
TRAINING_DATA = ["data/nlu", "data/rules"]
# components/ and the library code they train with (crisis layer, encoder) are part of what the model is made of.
INPUTS = ["config.yml", "domain.yml", *TRAINING_DATA, "data/crisis", "build/spacy_pipeline", "components",
          "recovery_support/crisis", "recovery_support/nlp"]


def fingerprint() -> str:
    digest = hashlib.sha256()
    for name in INPUTS:
        path = ROOT / name
        files = sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts) \
            if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(ROOT)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def main() -> int:
    current = fingerprint()
    if MODEL.exists() and FINGERPRINT.exists() and FINGERPRINT.read_text().strip() == current:
        print(f"Model is up to date ({MODEL.relative_to(ROOT)}).")
        return 0
    print("Training data or config changed: training the model ...", flush=True)
    rasa = Path(sys.executable).parent / "rasa"
    command = [str(rasa), "train", "--data", *TRAINING_DATA, "--config", "config.yml", "--domain", "domain.yml",
               "--out", "models", "--fixed-model-name", MODEL.name.replace(".tar.gz", "")]
    result = subprocess.run(command, cwd=ROOT)
    if result.returncode != 0:
        return result.returncode
    FINGERPRINT.write_text(current + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
