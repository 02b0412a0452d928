"""The knowledge base: one entry per topic, written in the project's own words from the clinic's documents."""
from recovery_support.knowledge.base import KnowledgeBase, load_knowledge_base
from recovery_support.knowledge.entry import Source, TopicEntry

__all__ = ["KnowledgeBase", "Source", "TopicEntry", "load_knowledge_base"]
