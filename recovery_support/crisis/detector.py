"""The crisis rule layer: spaCy matchers for crisis phrases, then context that may explain them away.

A message is a crisis when some crisis pattern (patterns.CRISIS_PATTERNS) matches and nothing around it
turns it into a look-alike. Recall comes first: every explanation is narrow (a first-person negation
right before the phrase, an idiom covering the same words, a generic "someone" in a question, a time
phrase placing it years ago), and any one crisis match that survives makes the message a crisis.
"""
from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

from spacy.language import Language
from spacy.lookups import Table
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Token

from recovery_support.crisis import patterns as P
from recovery_support.crisis.category import PRECEDENCE, CrisisCategory, CrisisVerdict


@dataclass(frozen=True)
class _Candidate:
    """A crisis pattern that matched and passed its own conditions, with who it is about."""

    pattern: P.CrisisPattern
    start: int
    end: int
    person: str

    @property
    def length(self) -> int:
        return self.end - self.start

    @property
    def category(self) -> CrisisCategory:
        if self.person == P.FIRST and self.pattern.first_person_category is not None:
            return self.pattern.first_person_category
        return self.pattern.category


class _Layout:
    """Sentences and clauses of a doc: the blank pipeline has no parser, so punctuation and conjunctions
    bound the scope of a negation, a subject or a question."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.sentence_of: List[int] = []
        self.clause_of: List[int] = []
        self.sentences: List[Tuple[int, int]] = []
        self.clauses: List[Tuple[int, int]] = []
        self._split()

    def _split(self) -> None:
        doc = self.doc
        sent_start = clause_start = 0
        for i, tok in enumerate(doc):
            low = tok.lower_
            # A conjunction starts a new clause; "so" only when a subject follows ("so I don't", not "so tired").
            opens_clause = low in P.CLAUSE_BREAK_WORDS or (
                low == "so" and i + 1 < len(doc) and doc[i + 1].lower_ in P.SUBJECT_PRONOUNS)
            if opens_clause and i > clause_start:
                self.clauses.append((clause_start, i))
                clause_start = i
            self.sentence_of.append(len(self.sentences))
            self.clause_of.append(len(self.clauses))
            ends_sentence = low in P.SENTENCE_BREAKS or "\n" in tok.text or (tok.is_punct and low in {".", "!", "?"})
            if ends_sentence or low in P.CLAUSE_PUNCT:
                self.clauses.append((clause_start, i + 1))
                clause_start = i + 1
            if ends_sentence:
                self.sentences.append((sent_start, i + 1))
                sent_start = i + 1
        if clause_start < len(doc):
            self.clauses.append((clause_start, len(doc)))
        if sent_start < len(doc):
            self.sentences.append((sent_start, len(doc)))

    def clause(self, i: int) -> Tuple[int, int]:
        return self.clauses[self.clause_of[i]]

    def sentence(self, i: int) -> Tuple[int, int]:
        return self.sentences[self.sentence_of[i]]

    def is_question(self, i: int) -> bool:
        start, end = self.sentence(i)
        words = [t.lower_ for t in self.doc[start:end]]
        if any("?" in word for word in words):
            return True
        fillers = {"ok", "okay", "so", "um", "uh", "hey", "hi", "hello", "also", "and", "but", "just", "wait",
                   "sorry", "quick", "question", "like", "well", "hmm", "k", "kk", "yo", ","}
        for k, word in enumerate(words):
            if word not in fillers:
                # "dont want to wake up tomorrow" drops its subject; it is not "do ...?"
                negated = k + 1 < len(words) and words[k + 1] in ("nt", "n't", "not")
                return word in P.QUESTION_STARTS and not negated
        return False

    def first_word(self, i: int) -> str:
        start, end = self.sentence(i)
        for tok in self.doc[start:end]:
            if tok.is_alpha:
                return tok.lower_
        return ""


class CrisisDetector:
    """Rule layer: ``detect(text)`` says whether a message shows someone in danger, and why."""

    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp
        vocab = nlp.vocab
        self._patterns: Dict[str, P.CrisisPattern] = {p.name: p for p in P.CRISIS_PATTERNS}
        self._crisis = Matcher(vocab)
        for pattern in P.CRISIS_PATTERNS:
            self._crisis.add(pattern.name, list(pattern.patterns))
        self._idioms = Matcher(vocab)
        for name, idiom in P.IDIOMS.items():
            self._idioms.add(name, idiom)
        self._time = Matcher(vocab)
        self._time.add("distant", P.DISTANT_PAST)
        self._time.add("recent", P.RECENT_CUES)
        self._time.add("resolved", P.RESOLVED_CUES)
        # Phrase lists are matched on LOWER: the cue words are everyday words the tokenizer keeps intact.
        self._cues = PhraseMatcher(vocab, attr="LOWER")
        groups: Dict[str, Iterable[str]] = {**P.CONTEXT_CUES, **P.REQUIRED_CUES,
                                            "retraction": P.RETRACTION_CUES, "conditional": P.CONDITIONAL_CUES}
        for group, phrases in groups.items():
            self._cues.add(group, [nlp.make_doc(phrase) for phrase in phrases])
        self._base_words, self._inflected = self._english_words(nlp)

    # ------------------------------------------------------------------ public
    def detect(self, text: str) -> CrisisVerdict:
        doc = self._parse(text)
        layout = _Layout(doc)
        cues = self._cue_spans(doc)
        idioms = [(doc.vocab.strings[m], s, e) for m, s, e in self._idioms(doc)]
        times = [(doc.vocab.strings[m], s, e) for m, s, e in self._time(doc)]

        candidates = self._resolve_overlaps(self._candidates(doc, layout, cues))
        fired: List[_Candidate] = []
        explained: List[str] = []
        explained_at: List[int] = []  # a token of each explained phrase: its sentence is what it explains
        for cand in candidates:
            why = self._explain_away(cand, doc, layout, cues, idioms, times)
            if why is None:
                fired.append(cand)
            else:
                explained.append(f"{why} ({cand.pattern.name} \"{doc[cand.start:cand.end].text}\")")
                explained_at.append(cand.start)

        if fired:
            best = min(fired, key=lambda c: (PRECEDENCE.index(c.category), c.start))
            reason = f"{best.category.value}: {best.pattern.name} \"{doc[best.start:best.end].text}\""
            if cues.get("retraction"):
                reason += " (retraction ignored: a disclosure stands even when taken back)"
            return CrisisVerdict(best.category, reason, False, also=best.pattern.also)
        if explained:
            return CrisisVerdict(None, "look-alike: " + explained[0], True, _sentence_spans(doc, layout, explained_at))
        if idioms:
            name, start, end = idioms[0]
            return CrisisVerdict(None, f"look-alike: idiom {name} \"{doc[start:end].text}\"", True,
                                 _sentence_spans(doc, layout, [s for _, s, _ in idioms]))
        question_at = self._education_question(doc, layout)
        if question_at is not None:
            return CrisisVerdict(None, "look-alike: question about a crisis topic", True,
                                 _sentence_spans(doc, layout, [question_at]))
        return CrisisVerdict(None, "", False)

    # ------------------------------------------------------------------ parsing
    def _parse(self, text: str) -> Doc:
        # Phones type curly apostrophes; the patterns and the lemma table use straight ones.
        doc = self.nlp(text.replace("\u2019", "'").replace("\u2018", "'"))
        for tok in doc:
            self._repair(tok)
        return doc

    def _repair(self, tok: Token) -> None:
        """Give slang and misspelt keywords the lemma the patterns expect (on this doc only)."""
        low = tok.lower_
        if low in P.LEMMA_REPAIRS:
            tok.lemma_ = P.LEMMA_REPAIRS[low]
        elif low in P.KEYWORDS:
            tok.lemma_, tok.norm_ = P.KEYWORDS[low]
        elif self._is_typo_candidate(low):
            keyword = _closest(low, P.KEYWORDS)
            if keyword is not None:
                tok.lemma_, tok.norm_ = P.KEYWORDS[keyword]
                return
            person = _closest(low, P.PERSON_NOUNS)
            if person is not None:
                tok.norm_ = person  # "roomate", "boyfirend": still someone else
        # The lookup table leaves unknown capitalised words as typed ("Suicidal"); patterns use lower case.
        if tok.lemma_ != tok.lemma_.lower():
            tok.lemma_ = tok.lemma_.lower()

    def _is_typo_candidate(self, low: str) -> bool:
        if len(low) < 5 or not low.isalpha() or low in P.NOT_TYPOS or low in self._base_words:
            return False
        return self._inflected is None or low not in self._inflected

    @staticmethod
    def _english_words(nlp: Language) -> Tuple[FrozenSet[str], Optional[Table]]:
        """Known English words, so a real word is never "repaired" into a keyword.

        The lemma lookup table doubles as a dictionary: inflected forms are its keys, base forms its values.
        """
        if "lemmatizer" not in nlp.pipe_names:
            return frozenset(), None
        lookups = nlp.get_pipe("lemmatizer").lookups
        if not lookups.has_table("lemma_lookup"):
            return frozenset(), None
        table = lookups.get_table("lemma_lookup")
        return frozenset(str(v).lower() for v in table.values()), table

    def _cue_spans(self, doc: Doc) -> Dict[str, List[Tuple[int, int]]]:
        spans: Dict[str, List[Tuple[int, int]]] = {}
        for match_id, start, end in self._cues(doc):
            spans.setdefault(doc.vocab.strings[match_id], []).append((start, end))
        return spans

    # ------------------------------------------------------------------ candidates
    def _candidates(self, doc: Doc, layout: _Layout, cues: Dict[str, List[Tuple[int, int]]]) -> List[_Candidate]:
        found: List[_Candidate] = []
        for match_id, start, end in self._crisis(doc):
            pattern = self._patterns[doc.vocab.strings[match_id]]
            if not self._fits(pattern, doc, start, end, cues):
                continue
            person = pattern.fixed_person or _anchor(doc, layout, start, end)
            if person not in pattern.persons:
                continue
            found.append(_Candidate(pattern, start, end, person))
        return found

    @staticmethod
    def _fits(pattern: P.CrisisPattern, doc: Doc, start: int, end: int,
              cues: Dict[str, List[Tuple[int, int]]]) -> bool:
        """The pattern's own conditions on neighbouring words (before any context is weighed)."""
        following = [t.lower_ for t in doc[end:end + 5]]
        if following[:1] == ["up"] and doc[end - 1].lower_ != "up":
            following = following[1:]  # "won't wake | up for school": judge the word after the particle
        for phrase in pattern.next_not:
            words = phrase.split()
            if following[:len(words)] == words:
                return False
        if pattern.next_in is not None:
            nxt = doc[end] if end < len(doc) else None
            key = P.END if nxt is None or nxt.is_punct else nxt.lower_
            if key not in pattern.next_in:
                return False
        if start > 0 and doc[start - 1].lower_ in pattern.prev_not:
            return False
        if pattern.near_after is not None:
            window = doc[end:end + 4]
            if not any(t.lower_ in pattern.near_after or t.ent_type_ in ("substance", "medication") for t in window):
                return False
        if pattern.requires is not None and not cues.get(pattern.requires):
            return False
        if pattern.not_past and any(_is_past(t) for t in doc[start:end]):
            return False
        if pattern.min_number is not None:
            numbers = [_number(t) for t in doc[start:end] if t.like_num]
            if not any(n is not None and n >= pattern.min_number for n in numbers):
                return False
        return True

    @staticmethod
    def _resolve_overlaps(candidates: Sequence[_Candidate]) -> List[_Candidate]:
        # The longest phrase says what overlapping words mean: "want to OD" is intent, not an overdose.
        ordered = sorted(candidates, key=lambda c: (-c.length, PRECEDENCE.index(c.category), c.start))
        taken: Set[int] = set()
        kept: List[_Candidate] = []
        for cand in ordered:
            span = set(range(cand.start, cand.end))
            if span & taken:
                continue
            taken |= span
            kept.append(cand)
        return sorted(kept, key=lambda c: c.start)

    # ------------------------------------------------------------------ context
    def _explain_away(self, cand: _Candidate, doc: Doc, layout: _Layout,
                      cues: Dict[str, List[Tuple[int, int]]], idioms: List[Tuple[str, int, int]],
                      times: List[Tuple[str, int, int]]) -> Optional[str]:
        """Why this match is not a crisis (a look-alike), or None when it stands."""
        pattern, start, end = cand.pattern, cand.start, cand.end
        sent_start, sent_end = layout.sentence(start)
        clause_start, clause_end = layout.clause(start)

        for name, i_start, i_end in idioms:
            # An idiom explains the words it shares with a match, unless the match is the longer phrase
            # around it ("bang my head against the wall until it bleeds").
            contained = start <= i_start and i_end <= end and (end - start) > (i_end - i_start)
            if i_start < end and start < i_end and not contained:
                return f"idiom {name}"

        def in_sentence(group: str) -> bool:
            return any(sent_start <= s and e <= sent_end for s, e in cues.get(group, []))

        for group in pattern.suppressed_by:
            if in_sentence(group) and not (group == "accident" and in_sentence("deliberate")):
                return f"context {group}"
        if any(clause_start <= s and e <= clause_end for s, e in cues.get("fiction", [])):
            return "fiction"

        if not pattern.self_negated and cand.person in (P.FIRST, P.NONE) and _negated(doc, start, clause_start):
            return "negation"

        clause_asks = next((t.lower_ for t in doc[clause_start:clause_end] if t.is_alpha), "") in P.QUESTION_STARTS
        if (layout.is_question(start) or clause_asks) and start > 0 and doc[start - 1].lower_ in ("a", "an", "the", "of") \
                and any(t.lower_ in P.SIGN_CUES for t in doc[clause_start:clause_end]):
            return "education question about signs"

        conditional = any(sent_start <= s and e <= start for s, e in cues.get("conditional", []))
        if cand.person in (P.GENERIC, P.NONE) and not (pattern.question_ok and cand.person == P.NONE):
            educational = any(t.lower_ in P.EDUCATION_CUES for t in doc[sent_start:sent_end]
                              if not start <= t.i < end)
            if layout.is_question(start) or conditional or educational:
                return "education or hypothetical question"

        tense = _tense(doc, start, end, clause_start)
        if pattern.kind in (P.EVENT, P.SYMPTOM) and tense in ("base", "gerund"):
            # "if my friend overdoses", "will I have a seizure if I stop": not happening (yet).
            if conditional or layout.first_word(start) in P.MODAL_STARTS:
                return "hypothetical"
        if pattern.kind == P.SYMPTOM and in_sentence("habitual"):
            return "recurring symptom"
        if pattern.kind in (P.EVENT, P.SYMPTOM) and tense in ("base", "gerund"):
            if _worried(doc, start, clause_start, tense):
                return "worry about the future"

        if tense == "past" and _past_event(doc, start, end, layout, times):
            return "past event"
        return None

    def _education_question(self, doc: Doc, layout: _Layout) -> Optional[int]:
        """A token of a question naming a crisis topic or a drug ("how does narcan work"), or None."""
        for tok in doc:
            topical = tok.lemma_ in P.TOPIC_LEMMAS or tok.ent_type_ in ("substance", "medication")
            if topical and layout.is_question(tok.i):
                return tok.i
        return None


def _sentence_spans(doc: Doc, layout: _Layout, tokens: Iterable[int]) -> Tuple[Tuple[int, int], ...]:
    """Character spans of the sentences holding these tokens: what a look-alike explains, and no more."""
    spans = set()
    for i in tokens:
        start, end = layout.sentence(i)
        spans.add((doc[start].idx, doc[end - 1].idx + len(doc[end - 1].text)))
    return tuple(sorted(spans))


# ---------------------------------------------------------------------- helpers (pure functions on tokens)
def _person_at(doc: Doc, i: int) -> Optional[str]:
    """Who token i refers to, if it is a pronoun or a person noun."""
    low = doc[i].lower_
    if low in P.PERSON_NOUNS or doc[i].norm_ in P.PERSON_NOUNS:
        prev = doc[i - 1].lower_ if i > 0 else ""
        return P.GENERIC if prev in P.GENERIC_DETERMINERS else P.THIRD
    following = doc[i + 1:i + 3]
    nxt = {t.norm_ for t in following} | {t.lower_ for t in following}
    if low in {"my", "our", "his", "her", "their", "your", "ur"} and nxt & P.PERSON_NOUNS:
        return None  # "my friend": the noun decides, and it is someone else
    if low in P.FIRST_PERSON:
        return P.FIRST
    if low in P.THIRD_PERSON:
        return P.THIRD
    if low in P.GENERIC_PERSON:
        return P.GENERIC
    return None


def _anchor(doc: Doc, layout: _Layout, start: int, end: int) -> str:
    """Who a match is about: the phrase itself ("kill herself"), then the nearest person word before it
    in its clause, after it in its clause, then earlier in its sentence."""
    clause_start, clause_end = layout.clause(start)
    sent_start, _ = layout.sentence(start)
    order = list(range(start, end)) + list(range(start - 1, clause_start - 1, -1)) + \
        list(range(end, clause_end)) + list(range(clause_start - 1, sent_start - 1, -1))
    for i in order:
        person = _person_at(doc, i)
        if person == P.THIRD and doc[i].lower_ in P.PLURAL_PRONOUNS and any(
                t.lower_ in P.GENERIC_PERSON for t in doc[sent_start:i]):
            return P.GENERIC  # "why do people get blue lips when they od": "they" are people in general
        if person is not None:
            return person
    return P.NONE


def _negated(doc: Doc, start: int, clause_start: int) -> bool:
    """A negation governs the match: "never", "not going to", "no intention of", "don't have" just before it."""
    i = start - 1
    steps = 0
    while i >= clause_start and steps < 6:
        tok = doc[i]
        if tok.norm_ in P.NEGATION_NORMS or tok.lower_ in ("never", "no", "not", "n't", "nt", "cannot"):
            return True
        if tok.lower_ not in P.NEGATION_FILLERS:
            return False  # "can't stop cutting", "don't know why I want to die": the negation is elsewhere
        i -= 1
        steps += 1
    return False


_ING_NOUNS = frozenset({"thing", "something", "nothing", "anything", "everything", "morning", "evening", "during",
                        "ceiling", "sibling", "bring", "spring", "string", "nothing", "feeling", "feelings",
                        "meeting", "building", "ring", "king", "wing", "sing", "sting"})


def _is_past(tok: Token) -> bool:
    low = tok.lower_
    if low in P.PAST_WORDS:
        return True
    return len(low) > 4 and low.endswith("ed") and low not in P.ADJECTIVES_IN_ED


def _tense(doc: Doc, start: int, end: int, clause_start: int) -> str:
    """Rough tense of the match from its own words and the two before it: past, progressive, gerund, base."""
    window = range(max(clause_start, start - 2), end)
    if any(_is_past(doc[i]) for i in window):
        return "past"
    for i in window:
        low = doc[i].lower_
        if len(low) > 4 and low.endswith(("ing", "in'")) and low not in _ING_NOUNS:
            if any(doc[j].lower_ in P.BE_AUX for j in range(max(clause_start, i - 2), i)):
                return "progressive"  # "he's overdosing", "is having a seizure"
            return "gerund"  # "my son overdosing", "about having a seizure"
    return "base"


def _worried(doc: Doc, start: int, clause_start: int, tense: str) -> bool:
    """Fear of something that has not happened: "scared I'll overdose", "worried about having a seizure"."""
    for i in range(start - 1, clause_start - 1, -1):
        if doc[i].lower_ in P.FEAR_CUES:
            between = {t.lower_ for t in doc[i + 1:start]}
            return tense == "gerund" or bool(between & P.FUTURE_WORDS)
    return False


def _past_event(doc: Doc, start: int, end: int, layout: _Layout, times: List[Tuple[str, int, int]]) -> bool:
    """A past match placed long ago or declared over, and not happening again now."""
    sent_start, sent_end = layout.sentence(start)
    clause_start, clause_end = layout.clause(start)
    ongoing = any(doc[i].lower_ in P.ONGOING_WORDS and not (i > 0 and doc[i - 1].lower_ == "never")
                  for i in range(clause_start, clause_end))
    if ongoing:
        return False

    def outside(s: int, e: int) -> bool:
        return e <= start or s >= end

    if any(name == "recent" and sent_start <= s and e <= sent_end and outside(s, e) for name, s, e in times):
        return False
    distant = any(name == "distant" and sent_start <= s and e <= sent_end and outside(s, e) for name, s, e in times)
    resolved = any(name == "resolved" and outside(s, e) for name, s, e in times)
    return distant or resolved


def _number(tok: Token) -> Optional[int]:
    words = {"ten": 10, "eleven": 11, "twelve": 12, "dozen": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
             "fifty": 50, "hundred": 100, "eight": 8, "nine": 9}
    text = tok.lower_.replace(",", "")
    if text.isdigit():
        return int(text)
    return words.get(text)


def _closest(word: str, vocabulary: Iterable[str]) -> Optional[str]:
    """The word a misspelling most likely means: same first letter, one slip (two for long words)."""
    best: Optional[str] = None
    best_distance = 99
    for keyword in vocabulary:
        if len(keyword) < 5:
            continue
        if keyword[0] != word[0] or abs(len(keyword) - len(word)) > 2:
            continue
        limit = 2 if len(keyword) >= 9 else 1
        distance = _edit_distance(word, keyword)
        if distance <= limit and distance < best_distance:
            best, best_distance = keyword, distance
    return best


def _edit_distance(a: str, b: str) -> int:
    """Damerau-Levenshtein (optimal string alignment): a swap of two letters counts as one slip."""
    rows = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        rows[i][0] = i
    for j in range(len(b) + 1):
        rows[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[len(a)][len(b)]
