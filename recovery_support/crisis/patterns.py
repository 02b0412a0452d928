"""The words and shapes of crisis messages and of their look-alikes, as spaCy Matcher patterns.

Patterns describe phrases, not sentences: lemmas ("overdose" covers "overdosed", "OD'd"), small
optional slots ("took [way] too much"), and post-conditions on the words around a match. Context that
turns a match into a look-alike (negation, idiom, education question, past event) is decided in
``detector.py``; this module only says what to look for.
"""
from dataclasses import dataclass
from typing import Dict, FrozenSet, List, Optional, Tuple

from recovery_support.crisis.category import CrisisCategory

Token = Dict[str, object]
TokenPattern = List[Token]

O, S, H, M = CrisisCategory.OVERDOSE, CrisisCategory.SUICIDAL, CrisisCategory.SELF_HARM, CrisisCategory.MEDICAL

# Who a match is about, found from the pronouns and person nouns near it (see detector._anchor).
FIRST, THIRD, GENERIC, NONE = "first", "third", "generic", "none"
ALL_PERSONS = frozenset({FIRST, THIRD, GENERIC, NONE})
NOT_FIRST = frozenset({THIRD, GENERIC, NONE})

# How a pattern reacts to context. event: something done ("overdosed", "took too much"), which an
# "if"/"can I"/"I'm scared I'll" frame turns hypothetical. state: what someone is like right now ("not
# breathing", "lips are blue"): recall first, only a generic subject in a question cancels it.
# intent / behaviour: suicidal or self-harm talk, cancelled by a clear first-person negation or a past
# event, not by fear ("I'm scared I'll cut myself" is a crisis). symptom: medical, like event.
EVENT, STATE, INTENT, BEHAVIOUR, SYMPTOM = "event", "state", "intent", "behaviour", "symptom"

END = ""  # stands for "end of text or punctuation" in next_in


def w(*words: str, op: Optional[str] = None) -> Token:
    """One token whose lower-case form is one of ``words``."""
    tok: Token = {"LOWER": {"IN": list(words)}}
    if op:
        tok["OP"] = op
    return tok


def lem(*lemmas: str, op: Optional[str] = None) -> Token:
    """One token whose lemma is one of ``lemmas`` (the detector repairs slang and typos first)."""
    tok: Token = {"LEMMA": {"IN": list(lemmas)}}
    if op:
        tok["OP"] = op
    return tok


def norm(*norms: str, op: Optional[str] = None) -> Token:
    """One token by NORM: spaCy normalises "n't"/"nt" to "not", "ca" to "can", "gon" to "going"."""
    tok: Token = {"NORM": {"IN": list(norms)}}
    if op:
        tok["OP"] = op
    return tok


ANY: Token = {"OP": "?"}  # one optional token of any kind
NEG = norm("not", "never", "no")
SELF = w("myself", "meself", "mself")
REFLEXIVE = w("myself", "meself", "mself", "himself", "herself", "themselves", "themself", "hisself")
POSSESSIVE = w("my", "his", "her", "their", "our")
ADVERB = w("really", "so", "very", "super", "kinda", "pretty", "just", "honestly", "literally",
           "actually", "fucking", "seriously", "still", "even", "all", "too", op="?")
WANT = w("want", "wants", "wanted", "wanting", "wanna", "wana", "wan", "ready", "trying", "tryna", "try")
INTENT_VERB = w("want", "wants", "wanted", "wanna", "wana", "wan", "planning", "plan", "plans", "planned",
                "going", "gon", "intend", "intending", "decided", "ready", "tempted", "trying", "tryna", "gonna")
TO = w("to", "2", "na", op="?")  # "gonna" is tokenised "gon" + "na"

# Not hands or fingers: "cut my hand opening a can" is the everyday accident.
BODY_PARTS = ("arm", "arms", "wrist", "wrists", "leg", "legs", "thigh", "thighs", "skin", "stomach",
              "hip", "hips", "ankle", "ankles", "forearm", "forearms", "body")
PILLS = ("pills", "pill", "meds", "medication", "medications", "medicine", "tablets", "tabs", "bars",
         "benzos", "xanax", "xans", "oxys", "oxy", "oxies", "percs", "perc", "seroquel", "klonopin",
         "valium", "ativan", "ambien", "subs", "methadone", "painkillers", "prescription", "script",
         "sleeping", "bottle", "everything", "tylenol", "ibuprofen", "insulin", "gabapentin", "trazodone")
STUFF = ("stuff", "things", "belongings", "possessions", "shit", "everything", "clothes", "stuff")
PERSON_WORDS = ("him", "her", "them")
# Subjects that can be "blue" in the overdose sense; tokens carry the repaired NORM ("roomate" -> "roommate").
PERSON_NOUNS_FOR_PATTERNS = ("he", "she", "they", "friend", "bf", "boyfriend", "gf", "girlfriend", "husband", "wife",
                             "son", "daughter", "brother", "sister", "mom", "dad", "mother", "father", "roommate",
                             "partner", "cousin", "baby", "kid", "guy", "buddy")


@dataclass(frozen=True)
class CrisisPattern:
    """One crisis phrase family and the conditions under which it counts."""

    name: str
    category: CrisisCategory
    patterns: Tuple[TokenPattern, ...]
    kind: str
    persons: FrozenSet[str] = ALL_PERSONS  # anchors this pattern can be about at all
    fixed_person: Optional[str] = None  # the pattern itself names who ("can't wake HIM")
    first_person_category: Optional[CrisisCategory] = None  # "I'm not breathing right" is medical
    self_negated: bool = False  # the pattern contains its own negation ("not breathing")
    question_ok: bool = False  # a personal report even when phrased as a question ("is it normal to feel suicidal")
    next_not: FrozenSet[str] = frozenset()  # the words after the match must not start with one of these phrases
    next_in: Optional[FrozenSet[str]] = None  # the word after the match must be one of these (END = none)
    prev_not: FrozenSet[str] = frozenset()  # the word before the match must not be one of these
    near_after: Optional[FrozenSet[str]] = None  # one of these must follow within 4 words
    requires: Optional[str] = None  # a cue group that must occur somewhere in the message
    min_number: Optional[int] = None  # a number in the match must be at least this ("took 10 bars")
    suppressed_by: FrozenSet[str] = frozenset()  # context groups (same sentence) that explain it away
    not_past: bool = False  # only present/future forms ("want to OD" yes, "OD'd on purpose" is an event)
    also: Tuple[CrisisCategory, ...] = ()  # categories it carries beside its own (an overdose on purpose: 911 too)


def _p(name: str, category: CrisisCategory, kind: str, *patterns: TokenPattern, **options: object) -> CrisisPattern:
    for key in ("next_not", "next_in", "prev_not", "near_after", "persons", "suppressed_by"):
        if key in options and options[key] is not None:
            options[key] = frozenset(options[key])  # type: ignore[arg-type]
    return CrisisPattern(name, category, tuple(patterns), kind, **options)  # type: ignore[arg-type]


# Words that turn "overdose" into a modifier ("overdose prevention training"), not an event.
OVERDOSE_COMPOUNDS = ("prevention", "response", "training", "kit", "kits", "awareness", "reversal", "risk",
                      "risks", "death", "deaths", "rate", "rates", "crisis", "epidemic", "education", "class",
                      "classes", "medication", "meds", "drug", "antidote", "hotline", "statistics", "stats",
                      "signs", "symptoms", "day", "survivor", "survivors", "victims", "program", "team", "site",
                      "spray", "course", "workshop", "protocol")

CRISIS_PATTERNS: Tuple[CrisisPattern, ...] = (
    # ---------------------------------------------------------------- overdose (now, anyone)
    _p("overdose", O, EVENT, [lem("overdose")], next_not=OVERDOSE_COMPOUNDS),
    _p("took_too_much", O, EVENT,
       [lem("take", "swallow", "use", "do", "snort", "shoot", "smoke", "pop"), w("up", "in", op="?"),
        w("way", "far", "waaay", "wayyy", op="?"), w("too", "to"), w("much", "many")],
       # "of" only with what is not a drug: "took too many of my pills" is an overdose.
       next_not=("time", "on at", "on board", "on right", "on lately", "on this", "on these", "on for", "on and",
                 "on so", "on with", "on myself", "off", "money", "credit", "blame", "responsibility", "work",
                 "overtime", "vacation", "pto", "break", "leave", "space", "notice", "at", "for", "of my time",
                 "of his time", "of her time", "of your time", "of their time", "of a toll", "of the blame", "sun",
                 "heat", "stuff", "things", "shifts", "classes", "calls")),
    _p("took_all", O, EVENT,
       [lem("take", "swallow", "down", "pop"), w("all", "every"), w("of", op="?"),
        w("my", "his", "her", "their", "the", "these", "those", "them", "of", op="?"), ANY, w(*PILLS)]),
    _p("took_bottle", O, EVENT,
       [lem("take", "swallow", "down", "pop", "eat"), w("a", "the", "an", "my", "his", "her", "like", op="?"),
        w("whole", "entire", "full"), w("bottle", "pack", "packet", "box", "strip", "script", "prescription")],
       [lem("take", "swallow", "down", "pop", "eat"), w("a", "like", "the", op="?"),
        w("handful", "fistful", "bunch", "shitload", "ton", "load")],
       near_after=PILLS),
    _p("took_count", O, EVENT,
       [lem("take", "swallow", "pop", "down", "snort", "eat"),
        w("like", "about", "around", "over", "maybe", "almost", op="?"),
        {"LIKE_NUM": True}, ANY, w(*PILLS, "bars", "pills", "xans", "tabs", "tablets", "doses")],
       min_number=8),
    # Stopping is an event ("what if he stops breathing" is hypothetical); not breathing is a state.
    _p("stopped_breathing", O, EVENT, [lem("stop", "quit"), norm("breathing", "breathin")], persons=NOT_FIRST),
    _p("not_breathing", O, STATE,
       [NEG, w("really", "even", "properly", op="?"), norm("breathing", "breathin")],
       [w("barely", "hardly", "shallow", "slow", "weird", "gasping"), norm("breathing", "breathin")],
       [norm("breathing", "breathin"),
        w("is", "'s", "s", "feels", "seems", "sounds", "looks", "got", "getting", op="?"), ADVERB,
        w("slow", "slower", "shallow", "weird", "funny", "strange", "irregular")],
       persons=ALL_PERSONS, first_person_category=M, self_negated=True,
       prev_not=("can", "ca", "could", "cannot"),
       next_not=("exercises", "exercise", "techniques", "technique", "app", "apps", "class", "classes", "treatment")),
    _p("lips_blue", O, STATE,
       [w("lips", "lip", "face", "skin", "fingers", "fingernails", "nails", "fingertips"), ANY, ANY,
        w("blue", "purple", "gray", "grey", "bluish", "ashen")],
       [w("blue", "purple", "bluish", "gray", "grey"), w("lips", "lip", "fingernails")],
       [w("turning", "turned", "going", "gone", "went", "getting"), w("blue", "purple", "bluish")],
       [norm(*PERSON_NOUNS_FOR_PATTERNS), w("is", "'s", "s", "are", "looks", "look", "went", "was", "seems", "got"),
        ADVERB, w("blue", "purple", "bluish", "gray", "grey")],
       suppressed_by=("benign_blue", "cosmetic")),
    _p("wont_wake", O, STATE,
       [norm("will", "can", "could", "would"), norm("not"), lem("wake"), w("up", op="?")],
       [NEG, w("waking", "responding", "respond", "responsive", "moving", "reacting"), w("up", op="?")],
       [w("hard", "impossible", "harder"), w("to"), lem("wake", "rouse"), w("up", op="?")],
       persons=NOT_FIRST, self_negated=True,
       next_not=("for", "early", "before", "on time", "in time", "in the morning", "to my", "to texts", "to calls",
                 "to messages", "to treatment", "to the", "to his", "to her", "to their", "to any", "to meds",
                 "to medication", "to emails", "to email", "until", "till", "me", "at", "when", "anymore")),
    _p("unresponsive", O, STATE, [w("unresponsive", "unconscious", "unconcious", "unconsious")], persons=NOT_FIRST,
       suppressed_by=("procedure",)),
    _p("wake_other", O, STATE,
       [norm("can", "could"), norm("not"), w("wake", "rouse"), w(*PERSON_WORDS, "my", "our")],
       [norm("can", "could"), norm("not"), w("get"), w(*PERSON_WORDS, "my", "our"), ANY, w("to"),
        w("wake", "respond", "breathe", "open", "move")],
       fixed_person=THIRD, self_negated=True),
    _p("overdose_sounds", O, STATE,
       [w("gurgling", "gurgle", "gurgles", "rattling", "snoring", "choking"), w("sound", "sounds", "noise", "noises")],
       [w("gurgling", "gurgles")],
       persons=NOT_FIRST, suppressed_by=("digestion",)),
    _p("narcan_given", O, EVENT,
       [lem("give", "use", "spray", "administer", "hit"), w(*PERSON_WORDS), ANY, w("narcan", "naloxone")],
       [w("narcan", "naloxone"), norm("is", "did", "was", "does", op="?"), norm("not"), lem("work")],
       [w("need", "get", "bring"), w("narcan", "naloxone"), w("now", "asap", "right", "quick", "fast", "please", "!")],
       fixed_person=THIRD),

    # ---------------------------------------------------------------- suicidal (writer or someone else)
    _p("kill_self", S, INTENT,
       [lem("kill", "murder", "off", "unalive"), REFLEXIVE],
       [lem("kill", "unalive"), POSSESSIVE, w("self")]),
    _p("kms", S, INTENT, [w("kms", "kmsl", "kmss")], persons=frozenset({FIRST, NONE})),
    _p("unalive", S, INTENT, [lem("unalive")]),
    _p("suicidal", S, INTENT, [lem("suicidal")]),
    _p("feel_suicidal", S, INTENT, [lem("feel", "get", "be"), ADVERB, lem("suicidal")], question_ok=True),
    _p("suicide_thoughts", S, INTENT,
       [lem("think", "thought", "consider", "plan", "contemplate", "want", "attempt", "try", "commit"),
        w("about", "of", "on", op="?"), lem("suicide")],
       [lem("suicide"), lem("note", "letter", "plan", "thought", "pact")]),
    _p("want_die", S, INTENT,
       [WANT, TO, ADVERB, lem("die")],
       [w("rather", "hope", "pray", "wish"), w("i", "to", op="?"), ADVERB, lem("die")],
       [WANT, TO, w("be"), w("dead", "gone")],
       [WANT, TO, ADVERB, w("disappear", "vanish", "cease"), w("forever", "permanently", "for")],
       [WANT, TO, ADVERB, w("stop"), w("existing", "living", "breathing")],
       next_not=("than", "her", "his", "my", "their", "your", "the", "it")),
    _p("wish_dead", S, INTENT,
       [lem("wish", "hope"), w("i", "that", op="?"), w("i", op="?"),
        w("was", "were", "'d", "would", "could", "be", "am", "m", "'m"), w("be", "just", op="?"),
        w("dead", "gone", "die", "disappear")],
       [lem("wish", "hope", "pray"), w("i", op="?"), norm("would", "will", "do", "did", "could"), norm("not"),
        lem("wake")],
       [lem("wish"), w("i", op="?"), w("was", "were", "had", "'d", "d"), norm("never", "not"), w("been", op="?"),
        w("born")]),
    _p("not_wake", S, INTENT, [NEG, WANT, TO, lem("wake", "exist", "survive")], self_negated=True),
    _p("not_live", S, INTENT,
       [NEG, WANT, TO, lem("live", "continue")],
       [NEG, WANT, TO, w("be"), w("alive")],
       [NEG, WANT, TO, w("be", "go", "keep"), w("here", "around", "on", "going"), w("anymore", "any", "no", "much")],
       [w("no"), w("longer"), WANT, TO, lem("live", "be")],
       self_negated=True,
       next_not=("with", "in", "at", "there", "near", "alone", "together", "by", "under", "somewhere", "off",
                 "through", "for", "from")),
    _p("never_wake", S, INTENT, [w("never"), w("wake")], next_not=("me", "him", "her", "them"), self_negated=True),
    _p("sleep_forever", S, INTENT, [WANT, TO, w("go", op="?"), w("to", op="?"), lem("sleep"), w("forever")]),
    _p("no_reason_to_live", S, INTENT,
       [w("no", "not", "zero", "nothing", "lost", "lose"), w("a", "any", "the", op="?"),
        w("reason", "point", "will", "purpose"), w("to", "in", "of", "for"),
        w("live", "living", "life", "being", "going")],
       [w("nothing"), w("left", op="?"), w("to"), w("live")],
       [w("point"), w("of", "in"), w("living", "life", "being", "going")],
       [w("not", "isnt", "n't", "nt"), w("worth"), w("living")],
       [w("tired", "sick", "done"), w("of", "with"), w("being", op="?"), w("alive", "life", "living", "existing")],
       self_negated=True,
       next_not=("like", "in", "with", "at", "paycheck", "here", "there", "on")),
    _p("not_around", S, INTENT,
       [norm("not"), w("be", "gon", "going", op="?"), w("na", "to", op="?"), w("be", op="?"),
        w("around", "here", "alive"), w("much", "any", "for", "anymore", "after", "by", "long", "next"),
        w("longer", "long", "much", "tonight", "tomorrow", "christmas", "more", op="?")],
       self_negated=True),
    _p("better_off", S, INTENT,
       [w("better", "happier"), w("off", op="?"), w("without"), w("me", "him", "her", "them", "us")],
       [w("better", "happier"), w("off", op="?"), w("if"), w("i", "he", "she", "they"),
        w("was", "were", "'m", "m", "am", "is", "just", op="?"), w("gone", "dead", "not", "never", "died")],
       [w("better"), w("off"), w("dead")],
       [w("burden"), w("to", "on", "for"), w("everyone", "everybody", "my", "them", "all")],
       [w("nobody", "noone", "nobody'd"), w("would", "will", "'d", "even", "'ll", op="?"), w("even", op="?"),
        w("miss", "notice", "care")],
       [w("no"), w("one"), w("would", "will", "'d", "even", "'ll", op="?"), w("even", op="?"),
        w("miss", "notice", "care")]),
    _p("goodbye_letters", S, INTENT,
       [lem("write", "leave", "record", "draft", "type"), w("a", "my", "the", "some", "all", op="?"),
        w("goodbye", "suicide", "farewell", "last"), lem("letter", "note", "message", "text", "video")],
       [w("goodbye", "farewell"), lem("letter", "note")],
       [lem("letter", "note"), ANY, ANY, ANY, w("saying", "to"), w("goodbye", "bye")],
       [w("for", "after"), w("when", op="?"), w("i", "he", "she"), w("'m", "m", "am", "is", "'s", "s"),
        w("gone", "dead")],
       [w("this"), w("is", "'s", "s"), w("goodbye")]),
    _p("giving_away", S, INTENT,
       [lem("give"), w("away"), ANY, ANY, ANY, w("my", "his", "her", "their", "all"), w(*STUFF)],
       [lem("give"), w("away"), w("all", "everything")],
       [lem("give"), w("all", op="?"), w("of", op="?"), w("my", "his", "her", "their"), w(*STUFF), w("away")],
       [lem("give"), w("everything"), w("away")],
       suppressed_by=("moving",)),
    _p("hoard_pills", S, INTENT,
       [lem("hoard", "stockpile", "stash", "collect", "stockpiling", "hoarding", "stashing"), w("up", op="?"),
        ANY, ANY, w(*PILLS)],
       [lem("save"), w("up"), ANY, ANY, w(*PILLS)],
       [w("enough"), ANY, w(*PILLS), w("to"), lem("end", "kill", "die", "overdose", "finish", "never", "not")],
       [w("enough"), ANY, w(*PILLS), w("saved", "stashed", "hidden", "hoarded")],
       suppressed_by=("contingency",)),
    # An event-like intent: "I'm scared I'm going to OD" is fear, "I'm going to OD tonight" is a plan.
    _p("od_intent", S, EVENT,
       [INTENT_VERB, TO, ADVERB, lem("overdose")],
       [lem("think", "thought"), w("about", "of"), w("just", op="?"), lem("take", "swallow", "down"),
        w("all", "every", "the", "a"), ANY, ANY, w(*PILLS)],
       [lem("think", "thought"), w("about", "of"), w("just", op="?"), lem("overdose", "take", "swallow")],
       [INTENT_VERB, TO, ADVERB, lem("take", "swallow", "down"), w("all", "every", "the", "a"), ANY, ANY, w(*PILLS)],
       [lem("overdose"), w("on"), w("purpose")],
       not_past=True, also=(O,)),
    _p("means", S, INTENT,
       [lem("hang", "shoot", "drown", "stab", "poison", "gas", "suffocate", "electrocute"), REFLEXIVE],
       [lem("jump", "throw"), REFLEXIVE, w("off", "from")],
       [lem("jump", "throw", "step", "walk", "drive"), REFLEXIVE, w("in", "into", "off", "from", "under"),
        w("front", op="?"), w("of", op="?"), w("a", "the", op="?"),
        w("bridge", "building", "roof", "train", "bus", "truck", "traffic", "overpass", "cliff")],
       [lem("jump"), w("off", "from", "in"), w("a", "the", op="?"),
        w("bridge", "building", "roof", "overpass", "cliff", "balcony", "front")],
       [lem("slit"), POSSESSIVE, w("wrist", "wrists", "throat")],
       [w("gun", "pistol"), w("to", "in"), POSSESSIVE, w("head", "mouth")]),
    _p("end_life", S, INTENT,
       [lem("end", "take", "finish"), POSSESSIVE, w("own", op="?"), w("life")],
       [lem("end"), w("it", "everything", "things"), w("all", op="?")],
       next_not=("back", "with", "off", "between", "early", "at", "for", "on", "in", "here", "there", "after",
                 "before"),
       not_past=True),

    # ---------------------------------------------------------------- self-harm (writer or someone else)
    _p("cut_self", H, BEHAVIOUR,
       [lem("cut", "slice", "slash", "carve", "scratch", "razor", "stab"), w("into", "up", "open", op="?"), REFLEXIVE],
       [lem("cut", "slice", "slash", "carve", "scratch", "razor"), w("into", "up", "open", op="?"), POSSESSIVE,
        w(*BODY_PARTS)],
       [lem("use", "take"), w("a", "the", "my"), w("razor", "blade", "knife", "lighter", "razors", "blades"),
        w("to", "on"), POSSESSIVE, w(*BODY_PARTS)],
       suppressed_by=("accident",)),
    _p("cut_again", H, BEHAVIOUR, [lem("cut"), w("again", "deeper")]),
    _p("urge_to_cut", H, BEHAVIOUR,
       [w("urge", "urges", "want", "wanna", "need", "itching", "tempted", "craving", "cravings", "wants", "needs"),
        TO, ADVERB, lem("cut", "burn", "bleed")],
       [w("started", "start", "been", "keep", "kept", "quit", "stopped", "stop", "relapsed", "back"), w("to", op="?"),
        w("cutting", "burning")],
       next_in=(END, "again", "so", "tonight", "really", "badly", "bad", "myself", "right", "now", "but", "and", "when",
                "to", "is", "lately", "since", "every", "more", "deeper", "deep", "because", "cuz", "for", "at", "in",
                "after", "today", "rn")),
    _p("burn_self", H, BEHAVIOUR,
       [lem("burn"), REFLEXIVE],
       [lem("burn"), POSSESSIVE, w(*BODY_PARTS)],
       suppressed_by=("accident",)),
    _p("hurt_self", H, BEHAVIOUR,
       [lem("hurt", "harm", "hit", "punch", "bite", "punish", "injure", "beat", "mutilate", "bruise", "starve"),
        REFLEXIVE],
       [lem("make"), REFLEXIVE, lem("bleed")],
       [lem("bang", "hit", "slam", "punch", "smash"), POSSESSIVE, w("head", "fist", "fists", "hand", "hands"), ANY, ANY,
        ANY, ANY, w("until", "till", "til", "'til"), ANY, ANY, lem("hurt", "bleed", "bruise", "break", "crack")],
       [w("cuts", "burns", "scratches", "cut", "burn"), ANY, w("i", "he", "she", "they"),
        w("did", "made", "gave", "do", "make", "give"), w("to", op="?"), REFLEXIVE],
       suppressed_by=("accident",)),
    _p("self_harm", H, BEHAVIOUR,
       [w("self"), w("-", op="?"), w("harming", "harmed", "injuring", "injured", "mutilating", "harms")],
       [w("selfharming", "selfharmed", "selfharm")],
       [w("i", "he", "she", "they", "we", "still", "been", "to", "started", "keep"),
        w("still", "sometimes", "often", "always", "also", op="?"), w("self"), w("-", op="?"), w("harm")],
       [lem("relapse"), w("on", "with", "into", "to"), w("self"), w("-", op="?"), w("harm", "harming")],
       [w("urge", "urges"), w("to"), w("self"), w("-", op="?"), w("harm")]),
    _p("bleed_until", H, BEHAVIOUR,
       [lem("scratch", "pick", "bite", "claw", "cut", "hit", "punch", "dig"), ANY, ANY, ANY,
        w("until", "till", "til", "'til", "untill"), ANY, ANY, lem("bleed")],
       suppressed_by=("accident",)),

    # ---------------------------------------------------------------- medical emergency during withdrawal
    _p("seizure", M, SYMPTOM,
       [lem("seizure", "convulsion", "convulse")],
       [w("seizing", "seized", "seizin", "convulsing", "fitting")],
       [w("dts", "d.t.s")], [w("delirium"), w("tremens")],
       [w("eyes"), w("are", "were", "keep", "have", "'re", op="?"), w("rolled", "rolling", "rolls", "roll"),
        w("back", "up", "into")],
       next_not=("up", "the", "my", "his", "her", "by", "control", "at", "their", "your", "our", "medication", "meds",
                 "threshold", "risk", "risks", "disorder")),
    _p("chest_pain", M, SYMPTOM,
       [w("chest"), lem("pain", "pressure", "tightness", "ache", "hurt", "hurting", "aching", "hurts")],
       [w("chest"), w("is", "'s", "s", "feels", "feel", "keeps", "getting", "got", "has", "been", op="?"),
        w("been", "being", op="?"), ADVERB,
        w("tight", "heavy", "crushing", "crushed", "squeezing", "hurting", "burning", "pounding", "exploding",
          "tightening", "aching")],
       [w("pain", "pains", "pressure", "tightness"), w("in"), w("my", "his", "her", "the"), w("chest")],
       [w("heart"), w("attack")],
       [w("my", "his", "her"), w("heart"), w("hurts", "hurting", "aches")],
       next_not=("for", "when", "seeing", "thinking", "that", "because", "knowing", "watching")),
    _p("breathing_trouble", M, SYMPTOM,
       [norm("can", "could"), norm("not"), w("barely", "hardly", "even", "really", "just", op="?"),
        lem("breathe", "breath", "breth", "breate")],
       [norm("can", "could"), w("barely", "hardly"), lem("breathe", "breath", "breth", "breate")],
       [w("trouble", "difficulty", "struggling", "struggle", "hard", "harder", "problems", "problem", "fighting",
         "labored", "laboured"), w("time", op="?"), w("to", op="?"), lem("breathe", "breath")],
       [w("short", "shortness"), w("of"), w("breath")],
       [w("gasping", "gasp", "gasps", "gasped"), w("for"), w("air", "breath")],
       [norm("can", "could", "cannot"), norm("not"), w("catch", "get"), w("my", "his", "her", "a"), w("breath")],
       [w("breathing"), w("is", "'s", "s", op="?"), ADVERB, w("labored", "laboured", "ragged", "rattly")],
       next_not=("through", "in", "with", "out", "near", "around"),
       suppressed_by=("laugh",)),
    _p("vomit_blood", M, SYMPTOM,
       [lem("vomit", "puke", "throw", "cough", "spit", "hurl", "barf"), w("up", op="?"),
        w("some", "a", "lots", "bright", "dark", "red", "lot", "of", op="?"), w("of", "red", op="?"), w("blood")],
       [w("blood"), w("in"), w("my", "his", "her", "the"), w("vomit", "puke", "throw", "spit")],
       question_ok=True),  # "is it normal to throw up blood?" is nearly always someone it is happening to
    _p("hallucination", M, SYMPTOM,
       [lem("hallucinate", "hallucination", "hallucinating")],
       [lem("see", "hear"),
        w("things", "stuff", "voices", "bugs", "spiders", "people", "shadows", "snakes", "insects")],
       [w("talking", "talks", "talked"), w("to"), w("people", "someone", "things", "nobody", "ghosts"),
        w("who", "that", "which", op="?"), w("are", "is", "arent", "isnt", op="?"), norm("not", op="?"), w("there")],
       requires="confusion"),
    _p("foaming", M, STATE, [w("foaming", "foam", "frothing"), w("at"), w("the"), w("mouth")], persons=NOT_FIRST),
    _p("no_pulse", M, STATE,
       [w("no"), w("pulse", "heartbeat")],
       [norm("can"), norm("not"), w("find", "feel"), w("a", "his", "her", op="?"), w("pulse", "heartbeat")],
       persons=NOT_FIRST, self_negated=True),
)


# ---------------------------------------------------------------- look-alikes
# Idioms whose span overlaps a crisis match explain it away; alone they mark a look-alike.
IDIOMS: Dict[str, List[TokenPattern]] = {
    "killing_me": [[lem("kill"), w("me", "him", "her", "us", "them")]],
    "kill_for": [[lem("kill"), w("for")],
                 [lem("kill"), w("the", "those", "these", "my", "a", op="?"),
                  w("cravings", "craving", "pain", "urge", "urges", "time", "buzz", "vibe", "mood", "lights",
                    "boredom")]],
    "killing_it": [[lem("kill"), w("it")]],
    "overworking": [[lem("kill"), SELF, w("trying", "working", "laughing", "studying")],
                    [lem("kill"), SELF, w("at"), w("work", "school", "the", "my"), w("gym", "job", op="?")]],
    "dying_to": [[w("dying", "die", "died", "dyin"), w("to"),
                  w("know", "see", "try", "get", "hear", "meet", "go", "find", "tell", "ask")]],
    "dying_of": [[lem("die"), w("of", "from"),
                  w("boredom", "embarrassment", "laughter", "laughing", "shame", "cringe", "curiosity", "thirst",
                    "hunger", "heat", "suspense")],
                 [w("dying", "died", "die", "dead"), w("laughing")]],
    "to_death": [[w("scared", "bored", "sick", "worried", "tired", "freaked", "terrified", "frightened", "stressed"),
                  w("to"), w("death")]],
    "dead_tired": [[w("dead"), w("tired", "serious", "set", "broke", "last", "ass", "exhausted", "beat")]],
    "thing_dying": [[w("phone", "battery", "car", "plants", "plant", "laptop", "charger", "tv", "flowers", "fish"),
                     w("is", "are", "'s", "s", op="?"), w("dying", "dead", "died")]],
    "heart_attack_idiom": [[w("nearly", "almost", "practically"), w("to", op="?"),
                            w("had", "have", "gave", "give", "given", "having"), w("me", "him", "her", op="?"),
                            w("a"), w("heart"), w("attack")]],
    "blue_in_the_face": [[w("blue"), w("in"), w("the"), w("face")]],
    "feeling_blue": [[lem("feel"), ADVERB, w("blue")]],
    "overdosed_on_treats": [[lem("overdose"), w("on"),
                             w("coffee", "caffeine", "sugar", "candy", "chocolate", "netflix", "tv", "pizza", "carbs",
                               "sweets", "cookies", "memes", "tiktok", "love", "cuteness", "energy", "redbull",
                               "monster", "cheese", "cake")]],
    "distance": [[{"LIKE_NUM": True}, w("kms", "km", "kilometers", "kilometres")]],
    "rather_die_than": [[w("rather"), w("die", "be"), w("dead", op="?"), w("than")]],
    "head_against_wall": [[lem("bang", "hit", "beat"), w("my", "his", "her"), w("head"), w("against", "on"),
                           w("the", "a", op="?"), w("wall", "desk", "table", "brick")]],
    "dye_hair": [[lem("die"), w("her", "his", "my", "their", "your"), w("hair")]],
    "cut_back": [[lem("cut"), w("back", "down", "out", "off", "ties", "corners", "class")],
                 [lem("cut"), w("my", "his", "her", "the"), w("dose", "dosage", "hair", "nails", "hours", "losses",
                                                            "methadone", "meds", "taper", "pills")]],
    "end_it_with": [[lem("end"), w("it", "things"), w("with")]],
    # A recovery exercise: "write a goodbye letter to your addiction".
    "goodbye_to_addiction": [[w("goodbye", "farewell", "breakup", "break-up"), lem("letter", "note"), w("to"),
                              w("my", "the", "your", op="?"),
                              w("addiction", "addictions", "drug", "drugs", "dope", "heroin", "using", "disease",
                                "old", "past", "substance", "substances", "opioids", "fentanyl", "alcohol", "drinking",
                                "habit", "demons", "former")]],
    "take_life_back": [[lem("take"), w("my", "his", "her", "our"), w("life", "lives"), w("back")]],
    "grief": [[lem("die", "pass", "lose"), w("away", op="?"), w("of", "from", "to"), w("an", "a", op="?"),
               lem("overdose")],
              [lem("lose"), POSSESSIVE, ANY, ANY, w("to"), w("an", "a", op="?"), lem("overdose", "suicide")],
              [lem("die"), w("by", "of", "from"), lem("suicide")]],
}

# Words in the same sentence that explain a specific crisis phrase away (see CrisisPattern.suppressed_by).
CONTEXT_CUES: Dict[str, Tuple[str, ...]] = {
    "accident": ("shaving", "shave", "shaved", "cooking", "cook", "stove", "oven", "pan", "kitchen", "iron",
                 "curling iron", "straightener", "grill", "bbq", "by accident", "accidentally", "on accident",
                 "gym", "lifting", "deadlifts", "deadlift", "squats", "workout", "working out", "running",
                 "chopping", "football", "soccer", "basketball", "hiking", "skating", "fell", "slipped", "tripped",
                 "hot coffee", "boiling", "kettle", "sunburn", "paper cut"),
    "laugh": ("lmao", "lmfao", "😂", "🤣", "haha", "hahaha", "hahahaha", "rofl", "laughing", "so funny", "💀"),
    "moving": ("move", "moving", "moved", "goodwill", "donate", "donating", "declutter", "decluttering",
               "yard sale", "garage sale", "storage", "thrift", "charity", "salvation army", "minimalist",
               "downsizing", "spring cleaning"),
    # Ordinary reasons for blue skin or lips.
    "benign_blue": ("cold", "freezing", "winter", "snow", "ice", "raynaud", "raynauds", "holding my breath",
                    "held my breath", "holding his breath", "holding her breath", "pool", "swimming", "underwater",
                    "popsicle", "slushie", "blue raspberry", "candy", "ink", "marker", "bruise", "bruised"),
    # People on buprenorphine keep spare doses against running out: not the same as hoarding to die.
    "contingency": ("just in case", "in case", "for emergencies", "emergency", "run out", "running out",
                    "dopesick", "backup", "back up", "rainy day", "so i don't get sick", "so i dont get sick"),
    # Recurring symptoms ("sometimes I can't breathe when I'm anxious") are not an acute emergency.
    "habitual": ("sometimes", "often", "usually", "always", "whenever", "every time", "at times", "occasionally",
                 "tends to", "once in a while", "every now and then", "from time to time"),
    "fiction": ("movie", "film", "tv show", "book", "novel", "story", "character", "episode", "series", "song",
                "video game", "documentary", "netflix", "fanfic", "poem"),
    "cosmetic": ("painted", "paint", "polish", "lipstick", "makeup", "dyed", "dye", "eyeshadow"),
    "digestion": ("stomach", "belly", "tummy", "gut", "guts", "bowels"),
    # Being unconscious on purpose, under medical care: "the detox where they're unconscious".
    "procedure": ("anesthesia", "anaesthesia", "anesthetic", "sedated", "sedation", "put under", "rapid detox",
                  "that detox", "procedure", "surgery", "operation", "sleep through"),
    # Overrides "accident": "I burned my arm on purpose" is self-harm even with a stove in the sentence.
    "deliberate": ("on purpose", "deliberately", "intentionally", "to feel something", "to punish"),
}

# Words anywhere in the message that a pattern may require (hallucinations count with confusion).
REQUIRED_CUES: Dict[str, Tuple[str, ...]] = {
    "confusion": ("confused", "confusion", "disoriented", "delirious", "delirium", "doesnt know where",
                  "doesn't know where", "dont know where", "don't know where", "doesnt know who", "doesn't know who",
                  "doesnt recognize", "doesn't recognize", "doesnt recognise", "doesn't recognise", "out of it",
                  "making no sense", "not making sense", "isnt making sense", "isn't making sense", "talking nonsense",
                  "no idea where", "doesnt know what day", "doesn't know what day", "dts", "where he is",
                  "where she is", "where i am", "who i am", "who he is", "who she is", "doesn't recognize us",
                  "not making any sense"),
}

# ---------------------------------------------------------------- context vocabularies for detector.py
NEGATION_NORMS = frozenset({"not", "never", "no"})
# Words that may sit between a negation and what it negates ("not going to", "no intention of").
NEGATION_FILLERS = frozenset({
    "to", "be", "been", "being", "going", "gon", "na", "gonna", "want", "wanna", "wan", "ever", "even", "really",
    "actually", "have", "has", "had", "having", "any", "intention", "intentions", "plan", "plans", "planning",
    "trying", "try", "tried", "attempted", "thinking", "about", "of", "feel", "feeling", "felt", "get", "getting",
        "got", "do", "did",
    "does", "would", "will", "wo", "could", "should", "i", "'m", "m", "am", "is", "'s", "s", "are", "was", "were",
    "a", "an", "the", "it", "that", "so", "far", "yet", "seriously", "honestly", "literally", "ever", "had",
    "been", "currently", "anymore", "again", "at", "all", "once", "single", "one", "serious",
})

FIRST_PERSON = frozenset({"i", "me", "my", "myself", "mine", "we", "us", "our", "ourselves", "im", "ive", "meself",
                          "mself", "i'm", "i've", "i'd", "i'll"})
THIRD_PERSON = frozenset({"he", "she", "him", "her", "his", "hers", "himself", "herself", "they", "them", "their",
                          "themselves", "themself", "hes", "shes", "hisself"})
GENERIC_PERSON = frozenset({"someone", "somebody", "anyone", "anybody", "people", "ppl", "you", "u", "ya", "yourself",
                            "one", "person", "persons", "everyone", "everybody", "ur", "your"})
PERSON_NOUNS = frozenset({
    "friend", "friends", "bf", "boyfriend", "gf", "girlfriend", "husband", "wife", "hubby", "son", "daughter",
    "brother", "sister", "bro", "sis", "mom", "mum", "mother", "mama", "dad", "father", "papa", "roommate",
    "roomie", "partner", "cousin", "uncle", "aunt", "kid", "kids", "baby", "child", "fiance", "fiancé",
    "fiancee", "buddy", "homie", "guy", "girl", "man", "woman", "dude", "coworker", "neighbor", "neighbour",
    "client", "patient", "grandma", "grandpa", "grandmother", "grandfather", "stepdad", "stepmom", "ex",
    "boy", "teen", "teenager", "nephew", "niece", "spouse", "mate", "bestie", "bff", "sponsor", "sponsee",
    "housemate", "flatmate", "grandson", "granddaughter", "stepson", "stepdaughter", "twin", "lady",
})
# Determiners that make a person noun generic: "a friend", "your loved one".
PLURAL_PRONOUNS = frozenset({"they", "them", "their", "theyre", "they're", "theirs"})
GENERIC_DETERMINERS = frozenset({"a", "an", "any", "some", "every", "your", "ur", "another", "someone's"})

QUESTION_STARTS = frozenset({
    "what", "whats", "what's", "how", "hows", "why", "when", "where", "who", "which", "can", "could", "is", "are",
    "does", "do", "did", "will", "would", "should", "am", "was", "were", "has", "have", "may", "might", "isnt",
    "whos", "wat", "wut",
})
MODAL_STARTS = frozenset({"can", "could", "will", "would", "might", "may", "should", "shall"})
CONDITIONAL_CUES = ("if", "in case", "incase", "what if", "whether", "hypothetically", "suppose", "supposing",
                    "in the event")
# A question about the signs of an overdose or a seizure is education even when it names a relative
# ("my son is in detox, what are the signs of an overdose?").
SIGN_CUES = frozenset({"sign", "signs", "symptom", "symptoms", "recognize", "recognise", "spot", "warning"})

EDUCATION_CUES = frozenset({
    "sign", "signs", "symptom", "symptoms", "risk", "risks", "prevent", "prevention", "avoid", "reverse",
    "reverses", "recognize", "recognise", "spot", "learn", "training", "class", "information", "info",
    "statistics", "rate", "rates", "cause", "causes", "common", "happens", "treat", "treatment", "respond",
})
FEAR_CUES = frozenset({"scared", "afraid", "worried", "worry", "worries", "terrified", "fear", "fears", "nervous",
                       "anxious", "paranoid", "concerned", "frightened", "panicking"})
FUTURE_WORDS = frozenset({"will", "'ll", "ll", "might", "may", "could", "would", "going", "gon", "gonna", "wo",
                          "about", "of", "someday", "eventually"})
BE_AUX = frozenset({"is", "'s", "s", "are", "'re", "re", "am", "'m", "m", "was", "were", "keeps", "keep", "been"})
PAST_WORDS = frozenset({
    "took", "swallowed", "had", "was", "were", "did", "tried", "attempted", "overdosed", "od'd", "oded", "od'ed",
    "used", "wrote", "gave", "burned", "burnt", "threw", "puked", "vomited", "coughed", "seized", "passed",
    "stopped", "turned", "survived", "lost", "died", "relapsed", "after", "since", "when", "hung", "shot",
})
ADJECTIVES_IN_ED = frozenset({"scared", "worried", "tired", "confused", "bored", "stressed", "concerned",
                              "terrified", "freaked", "supposed", "need", "indeed", "bleed", "red", "bed", "naked",
                              "wicked", "sacred", "exhausted", "depressed", "embarrassed", "ashamed"})
# Time phrases that place an event long ago (a past event is not a current crisis).
DISTANT_PAST: List[TokenPattern] = [
    [w("a", "an", "few", "couple", "several", "many", "some", op="?"), {"LIKE_NUM": True, "OP": "?"},
     w("year", "years", "yr", "yrs", "month", "months", "decade", "decades"), w("ago", "back", "before", "earlier")],
    [w("last", "this", "past"), w("past", op="?"),
     w("year", "spring", "summer", "fall", "autumn", "winter", "christmas", "month", "thanksgiving")],
    [w("back"), w("in", "when", "then")],
    [w("when"), w("i", "he", "she", "we", "they"), w("was", "were", "first")],
    [w("used"), w("to")],
    [w("in"), w("high", "middle", "grade", "elementary"), w("school")],
    [w("in", "during"), w("college", "university", "highschool", "my")],
    [w("as"), w("a"), w("kid", "teen", "teenager", "child")],
    [w("in"), w("the"), w("past")],
    [w("a"), w("long", "while"), w("time", op="?"), w("ago", "back")],
    [w("long"), w("ago")],
    [w("in", "since", "back"), {"SHAPE": "dddd"}],
    [w("history"), w("of")],
    [w("never"), w("again")],
    [w("before"), w("i"), w("got", "went", "was", "came", "started")],
]
RECENT_CUES: List[TokenPattern] = [
    [w("a", "an", "few", "couple", op="?"), {"LIKE_NUM": True, "OP": "?"},
     w("min", "mins", "minute", "minutes", "hour", "hours", "hr", "hrs", "second", "seconds", "sec", "secs"),
     w("ago")],
    [w("tonight", "today", "yesterday", "earlier", "rn", "currently")],
    [w("just"), w("now")],
    [w("this"), w("morning", "afternoon", "evening", "week")],
    [w("last"), w("night", "week")],
    [w("right"), w("now")],
]
# A past event the writer says is over ("now 1 year sober", "things are better now").
RESOLVED_CUES: List[TokenPattern] = [
    # "now 1 year sober", "been clean since"; a bare "clean" is not enough ("used after 2 months clean").
    [w("now", "been", "stayed", "staying", "still"), ANY, ANY, w("sober", "clean", "recovered", "healed")],
    [w("better", "good", "great", "ok", "okay", "fine", "well", "stable"), w("now", "these", "today")],
    [w("doing"), ADVERB, w("well", "good", "great", "ok", "okay", "fine", "better", "alright")],
    [w("better"), w("place")],
]
# Words in the same clause as a past match that say it is happening again.
ONGOING_WORDS = frozenset({"again", "still", "anymore"})
RETRACTION_CUES = ("jk", "j/k", "jking", "just kidding", "just joking", "kidding", "joking", "nvm", "never mind",
                   "nevermind", "not really", "lol jk", "jkjk")

# Vocabulary that makes a question a look-alike about crisis topics (education, medication questions).
# Clinical words only: "can someone help, I feel like I'm dying?" must stay open to the classifier.
TOPIC_LEMMAS = frozenset({
    "overdose", "narcan", "naloxone", "seizure", "convulsion", "suicide", "suicidal", "harm", "pill", "medication",
    "med", "meds", "dose", "breathe", "breath", "blood", "chest", "hallucinate", "hallucination", "lethal",
    "poison", "fentanyl",
})

CLAUSE_BREAK_WORDS = frozenset({"and", "but", "because", "cuz", "cause", "bc", "though", "although", "plus", "or",
                                "then", "while", "whereas", "anyway", "also"})
SUBJECT_PRONOUNS = frozenset({"i", "he", "she", "they", "we", "you", "it", "my", "his", "her", "their", "im"})
SENTENCE_BREAKS = frozenset({".", "!", "?", "…", "...", ";", "\n", "\n\n", "!!", "??", "?!", "!?"})
CLAUSE_PUNCT = frozenset({",", ":", "-", "—", "–", "(", ")", "/"})

# Slang and typos the lookup lemmatizer leaves alone (lower-case form -> lemma). The fuzzy repair in
# detector.py covers other one-letter slips of the KEYWORDS below.
LEMMA_REPAIRS: Dict[str, str] = {
    "od": "overdose", "ods": "overdose", "od'd": "overdose", "odd'd": "overdose", "oded": "overdose",
    "od'ed": "overdose", "od'ing": "overdose", "oding": "overdose", "o.d": "overdose", "o.d.": "overdose",
    "odeing": "overdose", "odin": "overdose", "overdosin": "overdose", "ovadose": "overdose",
    "dying": "die", "dyin": "die", "kil": "kill", "kll": "kill", "killin": "kill", "cuttin": "cut",
    "unaliving": "unalive", "unalived": "unalive", "seizin": "seize", "breathin": "breathe",
    "hurtin": "hurt", "burnin": "burn", "suicidle": "suicidal", "sucidal": "suicidal", "suicidal": "suicidal",
    "wanna": "wanna",
}
# Keyword forms (lower case) -> (lemma, norm) for the fuzzy typo repair.
KEYWORDS: Dict[str, Tuple[str, str]] = {
    "overdose": ("overdose", "overdose"), "overdosed": ("overdose", "overdosed"),
    "overdosing": ("overdose", "overdosing"), "overdoses": ("overdose", "overdoses"),
    "suicidal": ("suicidal", "suicidal"), "suicide": ("suicide", "suicide"),
    "seizure": ("seizure", "seizure"), "seizures": ("seizure", "seizures"), "seizing": ("seize", "seizing"),
    "breathing": ("breathe", "breathing"), "breathe": ("breathe", "breathe"),
    "unconscious": ("unconscious", "unconscious"), "unresponsive": ("unresponsive", "unresponsive"),
    "convulsions": ("convulsion", "convulsions"), "convulsing": ("convulse", "convulsing"),
    "hallucinating": ("hallucinate", "hallucinating"), "hallucinations": ("hallucination", "hallucinations"),
}
# Real words a keyword typo must never be mistaken for.
NOT_TYPOS = frozenset({"overdoes", "overdone", "breather", "breathes", "seizer", "seizers", "sizing", "suicides"})
