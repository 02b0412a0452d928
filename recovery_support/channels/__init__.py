"""Rasa input channels of the clinic's bot that Rasa doesn't ship in a usable form.

``recovery_support.channels.telegram.TelegramChannel`` replaces Rasa 3.6's Telegram connector (see that module).
"""
