"""The booking service's wiring agrees with the contracts catalog (no I/O: nothing connects)."""

from kairos_booking import SERVICE
from kairos_booking.bootstrap import bootstrap
from kairos_platform.testing import consumer_timing
from kairos_platform.testing_services import check_wiring_agrees_with_catalog


def test_it_handles_only_events_the_catalog_says_it_consumes() -> None:
    check_wiring_agrees_with_catalog(bootstrap(), SERVICE)


def test_the_consumer_process_runs_the_hold_expiry_job() -> None:
    from kairos_booking.service_layer.context import context_of
    from kairos_booking.settings import BookingSettings

    service = bootstrap(BookingSettings(SERVICE_NAME=SERVICE, HOLD_TTL_S=120))
    assert len(service.jobs) == 1
    assert context_of(service).settings is service.settings
    assert context_of(service).settings.hold_ttl_s == 120
    assert BookingSettings().hold_ttl_s == 600  # the documented default


def test_the_consumer_polls_at_its_documented_pace() -> None:
    # Every consumer long-polls: the broker answers a waiting fetch when records come
    assert consumer_timing(bootstrap()) == (500, 100)
