"""Stretchbot: a Telegram bot that helps people with back pain stretch every day."""

__version__ = "0.1.0"
