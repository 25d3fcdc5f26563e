"""Database tables and repositories of the booking service."""
