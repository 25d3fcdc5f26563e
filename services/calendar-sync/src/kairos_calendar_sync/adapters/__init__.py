"""Database tables and repositories of the calendar-sync service."""
