"""Database tables and repositories of the attendance service."""
