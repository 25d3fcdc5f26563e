"""Black-box helpers for the end-to-end suite: talk to the platform only through its gateway."""
