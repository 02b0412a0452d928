"""The staff side: transcripts, crisis queue, review, exports and charts for clinic staff.

Transcripts are health records (42 CFR Part 2 / HIPAA): every view, export and change is written to
``audit_log``, exports are redacted by default, and every message is rendered as hostile text.
Run with ``python -m recovery_support.staff.app``; create tables with ``alembic upgrade head``.
"""
