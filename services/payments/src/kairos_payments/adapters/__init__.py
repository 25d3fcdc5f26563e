"""Database tables and repositories of the payments service."""
