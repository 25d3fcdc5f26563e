"""The calendar-sync wiring agrees with the contracts catalog (no I/O: nothing connects)."""

from kairos_calendar_sync import SERVICE
from kairos_calendar_sync.bootstrap import bootstrap
from kairos_calendar_sync.service_layer.context import context_of
from kairos_contracts import catalog


def test_it_handles_only_events_the_catalog_says_it_consumes() -> None:
    service = bootstrap()
    consumed = {cls.TYPE for cls in catalog.consumed_by(SERVICE)}
    assert {cls.TYPE for cls in service.handlers} <= consumed
    assert set(service.topics) <= set(catalog.topics_consumed_by(SERVICE))
    assert service.migrations.joinpath("env.py").is_file()


def test_the_consumer_process_runs_the_sync_mail_reconciliation_and_reminder_jobs() -> None:
    service = bootstrap()
    names = {job.__name__ for job in service.jobs}
    assert names == {"run_sync_worker", "run_mail_job", "run_reconciliation", "run_reminder_job"}
    ctx = context_of(service)
    assert ctx.mailer is not None and ctx.settings is service.settings


def test_the_consumer_polls_at_its_documented_pace() -> None:
    from kairos_platform.testing import consumer_timing

    service = bootstrap()
    # Every consumer long-polls: the broker answers a waiting fetch when records come
    assert consumer_timing(service) == (500, 100)
