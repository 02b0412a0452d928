"""The recovery-support bot's library: everything that is not Rasa glue.

Rasa components (``components/``) and actions (``actions/``) import from here; nothing here
imports Rasa's training internals.
"""
