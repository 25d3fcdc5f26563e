"""A stand-in service honouring the local-stack contract (migrate/http/consumer/relay)."""
