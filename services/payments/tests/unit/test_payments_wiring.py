"""The payments service's wiring agrees with the contracts catalog (no I/O: nothing connects)."""

from kairos_payments import SERVICE
from kairos_payments.bootstrap import bootstrap
from kairos_platform.testing import consumer_timing
from kairos_platform.testing_services import check_wiring_agrees_with_catalog


def test_it_handles_only_events_the_catalog_says_it_consumes() -> None:
    check_wiring_agrees_with_catalog(bootstrap(), SERVICE)


def test_the_consumer_process_runs_reconciliation() -> None:
    from kairos_payments.entrypoints.jobs import run_reconciliation

    assert run_reconciliation in bootstrap().jobs


def test_the_consumer_polls_at_its_documented_pace() -> None:
    # Every consumer long-polls: the broker answers a waiting fetch when records come
    assert consumer_timing(bootstrap()) == (500, 100)
