"""Entity-ruler patterns for the words people use about heroin, medications and programs.

Labels are lower-case so they match the entity names in ``domain.yml``.
"""
from typing import Dict, List

SUBSTANCES = [
    "heroin", "dope", "smack", "junk", "horse", "tar", "black tar", "boy", "china white",
    "fentanyl", "fent", "opioid", "opioids", "opiate", "opiates", "oxy", "oxycodone",
    "oxycontin", "percs", "percocet", "painkillers", "pain pills", "morphine", "codeine",
]
# Case-sensitive slang that would be noise in lower case ("h" is also a letter).
SUBSTANCES_EXACT = ["H"]

MEDICATIONS = [
    "methadone", "buprenorphine", "bupe", "subs", "suboxone", "subutex", "sublocade",
    "naltrexone", "vivitrol", "naloxone", "narcan", "clonidine", "lofexidine", "lucemyra",
    "mat", "medication-assisted treatment", "medication assisted treatment",
]

PROGRAMS = [
    "inpatient", "in-patient", "residential", "live-in", "outpatient", "out-patient",
    "rapid detox", "anesthesia", "anaesthesia", "sedated detox", "ultra rapid detox",
    "aftercare", "sober living", "support group", "support groups", "na", "narcotics anonymous",
]


# Forms the English lookup table lacks or gets wrong for this domain ("kms" is slang, not kilometres).
EXTRA_LEMMAS = {
    "kms": "kms", "od": "overdose", "oded": "overdose", "od'd": "overdose", "odd": "odd",
    "od'ing": "overdose", "oding": "overdose", "overdosed": "overdose", "overdosing": "overdose",
    "dopesick": "dopesick", "detoxing": "detox", "detoxed": "detox", "withdrawals": "withdrawal",
    "withdrawing": "withdraw", "relapsed": "relapse", "relapsing": "relapse", "unalive": "unalive",
    "cravings": "craving", "meds": "medication", "counselling": "counseling",
}


def _phrase(label: str, phrase: str) -> Dict:
    # Token patterns on LOWER so "Suboxone", "SUBOXONE" and "suboxone" all match.
    return {"label": label, "id": phrase.lower(),
            "pattern": [{"LOWER": part} for part in phrase.lower().replace("-", " - ").split()]}


def entity_patterns() -> List[Dict]:
    patterns = [_phrase("substance", p) for p in SUBSTANCES]
    patterns += [{"label": "substance", "id": "heroin", "pattern": [{"ORTH": p}]} for p in SUBSTANCES_EXACT]
    patterns += [_phrase("medication", p) for p in MEDICATIONS]
    patterns += [_phrase("program", p) for p in PROGRAMS]
    return patterns
