"""One settings pattern: a service's settings extend ServiceSettings (MailSettings to send
mail) and its bootstrap reads them with from_service_settings."""

from pydantic import Field

from kairos_platform.settings import MailSettings, ServiceSettings


class SomeSettings(MailSettings):
    smtp_from: str = Field(default="Kairos <some@kairos.local>", alias="SMTP_FROM")
    knob: int = Field(default=3, alias="SOME_KNOB")


def test_none_reads_the_environment_under_the_service_name() -> None:
    s = SomeSettings.from_service_settings(None, service="some")
    assert (s.service_name, s.knob, s.smtp_host, s.smtp_port) == ("some", 3, "127.0.0.1", 25)
    assert s.smtp_from == "Kairos <some@kairos.local>"


def test_plain_service_settings_are_kept_and_completed() -> None:
    plain = ServiceSettings(SERVICE_NAME="some", DATABASE_URL="postgresql://x/y")
    s = SomeSettings.from_service_settings(plain, service="other")
    assert isinstance(s, SomeSettings)
    assert (s.service_name, s.database_url, s.knob) == ("some", "postgresql://x/y", 3)


def test_the_service_s_own_settings_are_used_as_given() -> None:
    own = SomeSettings(SERVICE_NAME="some", SOME_KNOB=7, SMTP_PORT=2525)
    assert SomeSettings.from_service_settings(own, service="some") is own
    assert (own.knob, own.smtp_port) == (7, 2525)
