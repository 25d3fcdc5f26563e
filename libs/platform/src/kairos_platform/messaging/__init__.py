"""Outbox, inbox, relay and the consumer policy: how events leave and enter a service."""
