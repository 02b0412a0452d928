"""Builds and loads the project's spaCy pipeline.

No official spaCy 3.4 model can be installed here (see NOTES-rasa.md), so the pipeline is made from
code: a blank English tokenizer, spaCy's lookup lemmatizer (tables from ``spacy-lookups-data``) and an
entity ruler. ``make`` builds it into ``build/spacy_pipeline``; Rasa's ``SpacyNLP`` loads it by path.
"""
import sys
from functools import lru_cache
from pathlib import Path

import spacy
import spacy_lookups_data
import srsly
from spacy.language import Language
from spacy.lookups import Table

from recovery_support.nlp.patterns import EXTRA_LEMMAS, entity_patterns
from recovery_support.paths import SPACY_PIPELINE


def build_pipeline() -> Language:
    nlp = spacy.blank("en")
    lemmatizer = nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    ruler = nlp.add_pipe("entity_ruler")
    nlp.initialize()  # loads the lemma lookup tables from spacy-lookups-data (and resets the ruler)
    _add_case_variants(lemmatizer.lookups.get_table("lemma_lookup"))
    ruler.add_patterns(entity_patterns())
    nlp.meta["name"] = "recovery_support"
    nlp.meta["version"] = "1.0.0"
    return nlp


def _add_case_variants(table: Table) -> None:
    # The lookup lemmatizer matches the exact text, so "Overdosing" or "CRAVINGS" would stay as typed.
    # The table keeps only hashes, so the words come from the same package file it was loaded from.
    words = srsly.read_gzip_json(Path(spacy_lookups_data.__file__).parent / "data" / "en_lemma_lookup.json.gz")
    for word, lemma in words.items():
        for variant in (word.capitalize(), word.upper()):
            if variant not in table:
                table[variant] = lemma
    for word, lemma in EXTRA_LEMMAS.items():
        for variant in (word, word.capitalize(), word.upper()):
            table[variant] = lemma


@lru_cache(maxsize=1)
def load_pipeline(path: str = str(SPACY_PIPELINE)) -> Language:
    """The built pipeline if present (same one Rasa uses), else a fresh build (tests, first run)."""
    if Path(path, "config.cfg").exists():
        return spacy.load(path)
    return build_pipeline()


def main() -> None:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else SPACY_PIPELINE
    target.parent.mkdir(parents=True, exist_ok=True)
    build_pipeline().to_disk(target)
    print(f"spaCy pipeline written to {target}")


if __name__ == "__main__":
    main()
