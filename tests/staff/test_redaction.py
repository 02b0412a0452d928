"""Redaction of exports (names, phones, e-mails, street addresses) and CSV formula neutralisation."""
import csv
import io

import pytest

from recovery_support.staff.csv_safety import neutralise, write_csv
from recovery_support.staff.redaction import default_redactor


@pytest.fixture(scope="module")
def redactor():
    return default_redactor()


@pytest.mark.parametrize("text, expected", [
    ("My name is John Smith", "My name is [NAME]"),
    ("my name is sarah and I'm scared", "my name is [NAME] and I'm scared"),
    ("Hi, I'm Maria. I need help", "Hi, I'm [NAME]. I need help"),
    ("I'm tired of this", "I'm tired of this"),
    ("My son Jake isn't breathing", "My son [NAME] isn't breathing"),
    ("I saw Dr. Patel last week", "I saw Dr. [NAME] last week"),
    ("I talked to Maria Lopez about it", "I talked to [NAME] about it"),
    ("call me at 555-123-4567", "call me at [PHONE]"),
    ("my number is (555) 123 4567.", "my number is [PHONE]."),
    ("text +1 555.123.4567 now", "text [PHONE] now"),
    ("reach me on +44 20 7946 0958", "reach me on [PHONE]"),
    ("or 555-1234", "or [PHONE]"),
    ("email j.doe+rehab@example.org please", "email [EMAIL] please"),
    ("I live at 1234 Elm Street Apt 5", "I live at [ADDRESS]"),
    ("come to 12 north main st. tonight", "come to [ADDRESS]. tonight"),  # "st" "." split
    ("PO Box 77, Springfield IL 62704", "[ADDRESS], Springfield [ADDRESS]"),
])
def test_finds_identifiers(redactor, text, expected):
    assert redactor.redact(text) == expected


@pytest.mark.parametrize("text", [
    "I used heroin and fentanyl for 3 years, since 2019",
    "I take Suboxone 8mg, is 16 too much?",
    "Call 988 or text HOME to 741741, or 911",
    "Call the SAMHSA National Helpline at 1-800-662-4357",
    "Poison Control: 1-800-222-1222",
    "What are the signs of an overdose?",
    "",
])
def test_leaves_ordinary_text_and_public_helplines(redactor, text):
    assert redactor.redact(text) == text


def test_keeps_the_clinics_own_numbers(redactor):
    from recovery_support.clinic import load_clinic_profile

    profile = load_clinic_profile()
    text = f"Call us at {profile.phone}."
    assert redactor.redact(text) == text


def test_redact_many_matches_redact(redactor):
    texts = ["My name is Ann", "", "555-123-4567", "nothing here"]
    assert redactor.redact_many(texts) == [redactor.redact(t) for t in texts]


@pytest.mark.parametrize("value, expected", [
    ("=HYPERLINK(\"http://evil\",\"x\")", "'=HYPERLINK(\"http://evil\",\"x\")"),
    ("+1+1", "'+1+1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("hello =1", "hello =1"), ("", ""), (None, ""), (0.5, "0.5"),
])
def test_formula_neutralisation(value, expected):
    assert neutralise(value) == expected


def test_csv_writer_neutralises_every_cell():
    body = write_csv(["a", "b"], [["=cmd|' /C calc'!A0", "ok"], ["line\nbreak, comma", "@x"]])
    parsed = list(csv.reader(io.StringIO(body)))
    assert parsed == [["a", "b"], ["'=cmd|' /C calc'!A0", "ok"], ["line\nbreak, comma", "'@x"]]
