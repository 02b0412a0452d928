"""Redacts names, phone numbers, e-mail addresses and street addresses from message text for exports.

Built on the project's own spaCy pipeline (``recovery_support.nlp``): its tokenizer and entity ruler, plus a
``Matcher`` for e-mails, street addresses and a simple person-name heuristic, and regular expressions for
phone numbers (their many shapes tokenize in too many ways to match as tokens). The pipeline has no trained
NER, so names are found by context ("my name is", "my son", "Dr.", two capitalised words inside a sentence):
it errs towards redacting, since a wrongly hidden word costs less than a leaked name. Public helpline numbers
and the clinic's own numbers are kept, so the bot's answers stay readable in an export.
"""
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, List, Optional, Set, Tuple

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc

NAME, PHONE, EMAIL, ADDRESS = "NAME", "PHONE", "EMAIL", "ADDRESS"
LABELS = (NAME, PHONE, EMAIL, ADDRESS)

_SEP = r"[\s.\-–]?"
PHONE_PATTERNS = [
    # North American: +1 (555) 123-4567, 555.123.4567, 5551234567, 1-800-662-4357
    re.compile(rf"(?<![\w+])(?:\+?1{_SEP})?(?:\(\d{{3}}\)|\d{{3}}){_SEP}\d{{3}}{_SEP}\d{{4}}(?!\w)"),
    # International: +44 20 7946 0958 (a plus, then 7-14 digits with separators)
    re.compile(r"(?<!\w)\+\d{1,3}(?:[\s.\-]?\d){6,13}(?!\w)"),
    # Local seven digits: 555-1234 (a separator required, so a year or a count doesn't match)
    re.compile(r"(?<![\w\-.])\d{3}[\-.]\d{4}(?![\w\-])"),
]
EMAIL_PATTERN = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")

# Numbers staff need to see in the bot's own answers (NOTES-safety.md): 988 and 911 never look like phones.
PUBLIC_NUMBERS = {"8006624357", "8002221222"}  # SAMHSA helpline, Poison Control

STREET_SUFFIXES = [
    "street", "st", "avenue", "ave", "road", "rd", "boulevard", "blvd", "lane", "ln", "drive", "dr", "court",
    "ct", "way", "place", "pl", "terrace", "ter", "circle", "cir", "highway", "hwy", "parkway", "pkwy",
    "square", "sq", "trail", "trl", "alley", "route", "rte",
]
STREET_SUFFIXES += [s + "." for s in STREET_SUFFIXES]
UNIT_WORDS = ["apt", "apt.", "apartment", "unit", "suite", "ste", "ste.", "#", "room", "rm", "floor", "fl"]
US_STATES = [
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA",
    "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK",
    "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "DC",
]
RELATIONS = [
    "son", "daughter", "husband", "wife", "partner", "boyfriend", "girlfriend", "brother", "sister", "mom",
    "mum", "mother", "dad", "father", "friend", "cousin", "uncle", "aunt", "grandma", "grandpa", "roommate",
    "fiance", "fiancé", "fiancee", "counselor", "counsellor", "sponsor", "doctor", "nephew", "niece", "kid",
    "baby", "neighbor", "neighbour", "buddy", "ex",
]
TITLES = ["mr", "mr.", "mrs", "mrs.", "ms", "ms.", "miss", "dr", "dr.", "mx", "mx."]
# Capitalised words that are not names, common in this domain and in the bot's own answers.
NOT_NAMES = {
    "i", "i'm", "im", "ok", "okay", "hi", "hello", "hey", "thanks", "thank", "yes", "no", "please", "sorry",
    "god", "jesus", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "today",
    "tonight", "tomorrow", "january", "february", "march", "april", "may", "june", "july", "august",
    "september", "october", "november", "december", "national", "helpline", "lifeline", "line", "crisis",
    "text", "suicide", "poison", "control", "center", "centre", "clinic", "hospital", "emergency", "room",
    "er", "detox", "recovery", "anonymous", "narcotics", "alcoholics", "treatment", "services", "health",
    "mental", "samhsa", "narcan", "naloxone", "chat", "call", "help", "support", "group", "program", "care",
    "medical", "staff", "team", "nurse", "doctor", "counselor", "the", "a", "an", "my", "your", "our",
    "english", "spanish", "american", "veterans", "press", "visit", "street", "avenue", "road",
}
_RELATION_SET = frozenset(RELATIONS)
NAME_TOKEN = {"IS_ALPHA": True, "IS_TITLE": True, "IS_STOP": False, "ENT_TYPE": ""}
ANY_NAME_TOKEN = {"IS_ALPHA": True, "IS_STOP": False, "ENT_TYPE": ""}  # after "my name is": any case


@dataclass(frozen=True)
class Found:
    start: int  # character offsets in the text
    end: int
    label: str


def _name_patterns() -> List[Tuple[str, List[List[dict]]]]:
    strong = [  # phrases after which the next word is a name, however it is written
        [{"LOWER": "my"}, {"LOWER": "name"}, {"LOWER": {"IN": ["is", "'s", "s"]}}],
        [{"LOWER": "name"}, {"LOWER": {"IN": ["is", "'s"]}}],
        [{"LOWER": "call"}, {"LOWER": "me"}],
        [{"LOWER": "named"}], [{"LOWER": "called"}],
    ]
    weak = [  # phrases after which only a capitalised word is taken as a name ("I'm Sam", not "I'm tired")
        [{"LOWER": "i"}, {"LOWER": {"IN": ["'m", "am", "m"]}}], [{"LOWER": {"IN": ["i'm", "im"]}}],
        [{"LOWER": "this"}, {"LOWER": "is"}], [{"LOWER": "it"}, {"LOWER": "'s"}],
        [{"LOWER": {"IN": ["my", "our", "his", "her", "their"]}}, {"LOWER": {"IN": RELATIONS}}],
        [{"LOWER": {"IN": TITLES}}],
    ]
    patterns = []
    for prefix in strong:
        patterns += [prefix + [ANY_NAME_TOKEN], prefix + [ANY_NAME_TOKEN, NAME_TOKEN]]
    for prefix in weak:
        patterns += [prefix + [NAME_TOKEN], prefix + [NAME_TOKEN, NAME_TOKEN]]
    return [("NAME_AFTER", patterns), ("NAME_PAIR", [[NAME_TOKEN, NAME_TOKEN], [NAME_TOKEN, NAME_TOKEN, NAME_TOKEN]])]


def _address_patterns() -> List[List[dict]]:
    number = {"TEXT": {"REGEX": r"^\d{1,6}[A-Za-z]?$"}}
    word = {"TEXT": {"REGEX": r"^(?:[A-Za-z][A-Za-z'\-]*|\d+(?:st|nd|rd|th))$"}}
    suffix = {"LOWER": {"IN": STREET_SUFFIXES}}
    patterns = [[number] + [word] * n + [suffix] for n in (1, 2, 3)]
    unit = [{"LOWER": {"IN": UNIT_WORDS}}, {"TEXT": {"REGEX": r"^#?\w{1,6}\.?$"}}]  # "4B." ends a sentence
    patterns += [p + unit for p in patterns]
    patterns.append([{"LOWER": {"IN": ["po", "p.o.", "p.o"]}}, {"LOWER": "box"}, {"LIKE_NUM": True}])
    patterns.append([{"TEXT": {"IN": US_STATES}}, {"TEXT": {"REGEX": r"^\d{5}(?:-\d{4})?$"}}])
    return patterns


class Redactor:
    def __init__(self, nlp: Language, keep_numbers: Iterable[str] = ()) -> None:
        self.nlp = nlp
        self.keep_numbers: Set[str] = {_digits(n)[-10:] for n in keep_numbers if _digits(n)} | PUBLIC_NUMBERS
        # A matcher on the shared vocabulary: the pipeline object itself (used by Rasa too) is not changed.
        self.matcher = Matcher(nlp.vocab)
        self.matcher.add(EMAIL, [[{"LIKE_EMAIL": True}]])
        self.matcher.add(ADDRESS, _address_patterns(), greedy="LONGEST")
        for key, patterns in _name_patterns():
            self.matcher.add(key, patterns, greedy="LONGEST")

    def find(self, text: str, doc: Optional[Doc] = None) -> List[Found]:
        doc = doc if doc is not None else self.nlp(text)
        found: List[Found] = []
        kept: List[Tuple[int, int]] = []  # helpline numbers: no shorter pattern may bite a piece out of them
        for pattern in PHONE_PATTERNS:
            for match in pattern.finditer(text):
                if _digits(match.group())[-10:] in self.keep_numbers:
                    kept.append(match.span())
                else:
                    found.append(Found(match.start(), match.end(), PHONE))
        found = [f for f in found if not any(start <= f.start and f.end <= end for start, end in kept)]
        found += [Found(m.start(), m.end(), EMAIL) for m in EMAIL_PATTERN.finditer(text)]
        for match_id, start, end in self.matcher(doc):
            key = self.nlp.vocab.strings[match_id]
            span = doc[start:end]
            if key == "NAME_AFTER":
                names = [t for t in span[-2:] if _name_like(t)]
                # The trigger phrase stays ("my name is [NAME]"): only the name words are hidden.
                names = _trailing_run(span, names)
                if names:
                    found.append(Found(names[0].idx, names[-1].idx + len(names[-1]), NAME))
            elif key == "NAME_PAIR":
                if _sentence_start(doc, start) or not all(_name_like(t) for t in span):
                    continue
                found.append(Found(span.start_char, span.end_char, NAME))
            else:
                end = span.end_char
                if key == ADDRESS and span[-1].lower_ not in STREET_SUFFIXES and span.text.endswith("."):
                    end -= 1  # the sentence's full stop, tokenized with "4B."
                found.append(Found(span.start_char, end, key))
        return _merge(found)

    def redact(self, text: str) -> str:
        if not text:
            return text or ""
        return _apply(text, self.find(text))

    def redact_many(self, texts: List[str]) -> List[str]:
        docs = self.nlp.pipe(t or "" for t in texts)
        return [_apply(t or "", self.find(t or "", doc)) if t else (t or "") for t, doc in zip(texts, docs)]


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _name_like(token) -> bool:
    return (token.is_alpha and token.lower_ not in NOT_NAMES and token.lower_ not in _RELATION_SET
            and not token.is_stop and not token.ent_type_)


def _trailing_run(span, names) -> list:
    # Only the words at the end of the match, contiguous: "call me Jo" -> Jo; never a trigger word.
    run = []
    for token in reversed(list(span)):
        if token in names:
            run.insert(0, token)
        else:
            break
    return run


def _sentence_start(doc: Doc, index: int) -> bool:
    # The blank pipeline has no sentence splitter: the first word, or one after . ! ? : or a line break.
    if index == 0:
        return True
    previous = doc[index - 1]
    return previous.is_space or previous.text in {".", "!", "?", ":", ";", '"', "“", "(", "-", "—"} \
        or "\n" in previous.whitespace_


def _merge(found: List[Found]) -> List[Found]:
    """Overlapping finds become one; the earlier-starting (then longer) label names it."""
    merged: List[Found] = []
    for item in sorted(found, key=lambda f: (f.start, -(f.end - f.start))):
        if merged and item.start < merged[-1].end:
            last = merged[-1]
            merged[-1] = Found(last.start, max(last.end, item.end), last.label)
        else:
            merged.append(item)
    return merged


def _apply(text: str, found: List[Found]) -> str:
    out, position = [], 0
    for item in found:
        out.append(text[position:item.start])
        out.append(f"[{item.label}]")
        position = item.end
    out.append(text[position:])
    return "".join(out)


def _clinic_numbers() -> List[str]:
    try:
        from recovery_support.clinic import load_clinic_profile

        profile = load_clinic_profile()
        return [profile.phone, profile.phone_24h]
    except Exception:  # no clinic profile: nothing extra to keep, redaction itself still works
        return []


@lru_cache(maxsize=1)
def default_redactor() -> Redactor:
    from recovery_support.nlp import load_pipeline

    return Redactor(load_pipeline(), keep_numbers=_clinic_numbers())
