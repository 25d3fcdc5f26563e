"""The calendar-sync wiring agrees with the contracts catalog (no I/O: nothing connects)."""

from kairos_calendar_sync import SERVICE
from kairos_calendar_sync.bootstrap import bootstrap
from kairos_calendar_sync.service_layer.context import context_of
from kairos_platform.testing import consumer_timing
from kairos_platform.testing_services import check_wiring_agrees_with_catalog


def test_it_handles_only_events_the_catalog_says_it_consumes() -> None:
    check_wiring_agrees_with_catalog(bootstrap(), SERVICE)


def test_the_consumer_process_runs_the_sync_mail_reconciliation_and_reminder_jobs() -> None:
    service = bootstrap()
    names = {job.__name__ for job in service.jobs}
    assert names == {"run_sync_worker", "run_mail_job", "run_reconciliation", "run_reminder_job"}
    ctx = context_of(service)
    assert ctx.mailer is not None and ctx.settings is service.settings


def test_the_consumer_polls_at_its_documented_pace() -> None:
    # Every consumer long-polls: the broker answers a waiting fetch when records come
    assert consumer_timing(bootstrap()) == (500, 100)
