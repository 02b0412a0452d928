"""Loads the knowledge base from ``data/knowledge/`` and checks that it hangs together."""
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterator, List

import yaml

from recovery_support.knowledge.entry import Source, TopicEntry
from recovery_support.paths import KNOWLEDGE_DIR


class KnowledgeBaseError(ValueError):
    """The knowledge files contradict themselves (unknown follow-up, unknown source, ...)."""


@dataclass(frozen=True)
class KnowledgeBase:
    entries: Dict[str, TopicEntry]
    sources: Dict[str, dict]

    def __contains__(self, topic: str) -> bool:
        return topic in self.entries

    def __iter__(self) -> Iterator[TopicEntry]:
        return iter(self.entries.values())

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, topic: str) -> TopicEntry:
        return self.entries[topic]

    def follow_ups(self, topic: str) -> List[TopicEntry]:
        return [self.entries[t] for t in self.entries[topic].follow_ups] if topic in self.entries else []


def _entry_from_yaml(path: Path) -> TopicEntry:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if raw.get("topic") != path.stem:
        raise KnowledgeBaseError(f"{path}: 'topic' must equal the file name ({path.stem!r})")
    return TopicEntry(
        topic=raw["topic"],
        title=raw["title"],
        question=raw["question"],
        answer=" ".join(raw["answer"].split()),
        next_step=" ".join(raw["next_step"].split()),
        keywords=tuple(raw.get("keywords") or ()),
        follow_ups=tuple(raw.get("follow_ups") or ()),
        sources=tuple(Source(doc=s["doc"], section=s["section"]) for s in raw.get("sources") or ()),
    )


def _check(kb: KnowledgeBase) -> None:
    for entry in kb:
        for follow_up in entry.follow_ups:
            if follow_up not in kb.entries:
                raise KnowledgeBaseError(f"{entry.topic}: unknown follow-up {follow_up!r}")
        if not entry.sources:
            raise KnowledgeBaseError(f"{entry.topic}: an entry must cite at least one source")
        for source in entry.sources:
            if source.doc not in kb.sources:
                raise KnowledgeBaseError(f"{entry.topic}: unknown source {source.doc!r} (see sources.yml)")


@lru_cache(maxsize=None)
def load_knowledge_base(directory: Path = KNOWLEDGE_DIR) -> KnowledgeBase:
    directory = Path(directory)
    entries = {p.stem: _entry_from_yaml(p) for p in sorted((directory / "topics").glob("*.yml"))}
    sources = yaml.safe_load((directory / "sources.yml").read_text(encoding="utf-8"))
    kb = KnowledgeBase(entries=entries, sources=sources)
    _check(kb)
    return kb
