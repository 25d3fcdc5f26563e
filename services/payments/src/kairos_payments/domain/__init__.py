"""The domain: pure rules, no I/O."""
