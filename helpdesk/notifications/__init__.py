"""Outgoing mail. Only the application factory imports this package."""
