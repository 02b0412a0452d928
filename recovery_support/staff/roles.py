"""Roles and what each may do: one table, so need-to-know access is reviewed in one place."""
from typing import FrozenSet

ADMIN = "admin"
CLINICIAN = "clinician"
REVIEWER = "reviewer"
ROLES = (ADMIN, CLINICIAN, REVIEWER)

VIEW_TRANSCRIPTS = "view_transcripts"
VIEW_IDENTIFIERS = "view_identifiers"  # the channel's sender id (a Telegram chat id identifies a person)
VIEW_DASHBOARD = "view_dashboard"
REVIEW = "review"  # review status and tags
WRITE_NOTES = "write_notes"
MESSAGE_PERSON = "message_person"  # write to the person in their open chat (web or Telegram), as staff
CRISIS_QUEUE = "crisis_queue"
EXPORT_REDACTED = "export_redacted"
EXPORT_UNREDACTED = "export_unredacted"
SAVE_TEST_STORY = "save_test_story"  # a mis-predicted turn, saved (redacted) as a Rasa test story
MANAGE_USERS = "manage_users"
VIEW_AUDIT = "view_audit"

PERMISSIONS = {
    ADMIN: frozenset({VIEW_TRANSCRIPTS, VIEW_IDENTIFIERS, VIEW_DASHBOARD, REVIEW, WRITE_NOTES, MESSAGE_PERSON,
                      CRISIS_QUEUE, SAVE_TEST_STORY, EXPORT_REDACTED, EXPORT_UNREDACTED, MANAGE_USERS, VIEW_AUDIT}),
    # Clinicians follow people up: they need the crisis queue, notes, the real contact details, and to write
    # to the person.
    CLINICIAN: frozenset({VIEW_TRANSCRIPTS, VIEW_IDENTIFIERS, VIEW_DASHBOARD, WRITE_NOTES, MESSAGE_PERSON,
                          CRISIS_QUEUE, SAVE_TEST_STORY, EXPORT_REDACTED, EXPORT_UNREDACTED}),
    # Reviewers improve the bot: they read and label transcripts, and never take identifiable data away.
    REVIEWER: frozenset({VIEW_TRANSCRIPTS, VIEW_DASHBOARD, REVIEW, SAVE_TEST_STORY, EXPORT_REDACTED}),
}


def permissions(role: str) -> FrozenSet[str]:
    return PERMISSIONS.get(role, frozenset())


def can(role: str, permission: str) -> bool:
    return permission in permissions(role)
