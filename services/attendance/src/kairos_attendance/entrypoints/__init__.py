"""HTTP routes and event subscriptions: they only translate into service-layer calls."""
