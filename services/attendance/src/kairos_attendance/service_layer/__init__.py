"""Handlers: one small function per command or event, taking a unit of work."""
