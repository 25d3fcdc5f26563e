"""The payments service's wiring agrees with the contracts catalog (no I/O: nothing connects)."""

from kairos_contracts import catalog
from kairos_payments import SERVICE
from kairos_payments.bootstrap import bootstrap


def test_it_handles_only_events_the_catalog_says_it_consumes() -> None:
    service = bootstrap()
    consumed = {cls.TYPE for cls in catalog.consumed_by(SERVICE)}
    assert {cls.TYPE for cls in service.handlers} <= consumed
    assert set(service.topics) <= set(catalog.topics_consumed_by(SERVICE))
    assert service.migrations.joinpath("env.py").is_file()


def test_the_consumer_process_runs_reconciliation() -> None:
    from kairos_payments.entrypoints.jobs import run_reconciliation

    assert run_reconciliation in bootstrap().jobs


def test_the_consumer_polls_at_its_documented_pace() -> None:
    from kairos_platform.testing import consumer_timing

    service = bootstrap()
    # Every consumer long-polls: the broker answers a waiting fetch when records come
    assert consumer_timing(service) == (500, 100)
