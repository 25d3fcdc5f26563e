"""Fault injection: a mixed workload on the whole local stack while processes die, the
broker freezes, PostgreSQL restarts and webhooks misbehave; then the invariants
(``invariants``) are checked straight from each service's database."""
