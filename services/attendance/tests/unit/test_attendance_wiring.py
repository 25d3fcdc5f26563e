"""The attendance service's wiring agrees with the contracts catalog (no I/O: nothing connects)."""

from kairos_attendance import SERVICE
from kairos_attendance.bootstrap import bootstrap
from kairos_attendance.service_layer.context import context_of
from kairos_platform.testing import consumer_timing
from kairos_platform.testing_services import check_wiring_agrees_with_catalog


def test_it_handles_only_events_the_catalog_says_it_consumes() -> None:
    check_wiring_agrees_with_catalog(bootstrap(), SERVICE)


def test_the_consumer_process_runs_the_sweep_and_the_mail_job() -> None:
    from kairos_attendance.entrypoints.jobs import run_mail_job, run_sweep

    service = bootstrap()
    assert list(service.jobs) == [run_sweep, run_mail_job]
    assert context_of(service).settings.sweep_interval_s == 300
    assert {cls.TYPE for cls in service.handlers} >= {
        "BookingConfirmed", "BookingCancelled", "BookingRestored", "BookingRescheduled",
    }  # fmt: skip


def test_the_consumer_polls_at_its_documented_pace() -> None:
    # Every consumer long-polls: the broker answers a waiting fetch when records come
    assert consumer_timing(bootstrap()) == (500, 100)
