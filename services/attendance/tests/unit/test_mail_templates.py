"""attendance's mail templates (Jinja2 through kairos_platform.mail_templates): every kind
renders with its subject and footer, the session's time in the reader's zone and locale
with the provider's beside it when it differs, the provider's zone and English without a
preference, values escaped in HTML only, and mails queued before the readers projection
(their times formatted already) still render."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from jinja2 import UndefinedError

from kairos_attendance.domain.enrollments import Enrollment
from kairos_attendance.domain.readers import Reader
from kairos_attendance.domain.sessions import Session
from kairos_attendance.service_layer import notifications
from kairos_attendance.service_layer.templates import KINDS, render

STARTS = datetime(2030, 1, 7, 17, 0, tzinfo=UTC)  # 18:00 in Madrid, 12:00 in Bogota
CYCLE_END = datetime(2030, 2, 3, 23, 30, tzinfo=UTC)  # Feb 4 in Madrid, Feb 3 in Bogota
MENTEE, MENTOR = uuid.uuid4(), uuid.uuid4()
ENROLLMENT = Enrollment(
    enrollment_id=uuid.uuid4(),
    subscription_id=uuid.uuid4(),
    offering_id=uuid.uuid4(),
    provider_id=uuid.uuid4(),
    provider_user_id=MENTOR,
    provider_email="ada@example.org",
    provider_name="Ada",
    mentee_user_id=MENTEE,
    mentee_email="ana@example.org",
    mentee_name="Ana <Ruiz>",
)
SESSION = Session(
    booking_id=uuid.uuid4(),
    sequence=0,
    status="confirmed",
    offering_id=ENROLLMENT.offering_id,
    title="Weekly & mentoring",
    provider_id=ENROLLMENT.provider_id,
    provider_user_id=MENTOR,
    mentee_user_id=MENTEE,
    time_zone="Europe/Madrid",
    starts_at=STARTS,
    ends_at=STARTS.replace(hour=18),
    cycle_ends_at=CYCLE_END,
)
BOGOTA_ES = Reader(MENTEE, "America/Bogota", "es_CO", STARTS)


def plain(s: str) -> str:
    return s.replace("\u202f", " ").replace("\xa0", " ")


def values(kind: str = "warning", reader: uuid.UUID = MENTEE) -> dict[str, str]:
    mails = notifications.mails(
        kind, ENROLLMENT, SESSION, "occ", "https://app.example/", to_mentor=True, absences=2
    )
    [mail] = [m for m in mails if m.reader_id == reader]
    return mail.values


def test_the_queued_values_keep_instants_and_name_the_reader() -> None:
    v = values()
    assert v["starts_at"] == STARTS.isoformat() and v["cycle_ends_at"] == CYCLE_END.isoformat()
    assert v["provider_time_zone"] == "Europe/Madrid" and v["reader_id"] == str(MENTEE)
    assert values(reader=MENTOR)["reader_id"] == str(MENTOR)
    assert "session_time" not in v  # formatted when sent, for the reader of that moment


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("reader", [None, BOGOTA_ES, Reader(MENTOR, "Asia/Tokyo", "de_DE", STARTS)])
def test_every_kind_renders_with_its_subject_and_footer(kind: str, reader: Reader | None) -> None:
    subject, text, html = render(kind, values(kind.split("_")[0]), reader)
    assert subject and "\n" not in subject and "Weekly & mentoring" in subject
    assert text.endswith(
        "Manage your other notifications: https://app.example/settings/notifications\n"
    )
    assert "\n\n\n" not in text
    assert html.startswith("<html><body>") and html.rstrip().endswith("</body></html>")
    assert "Weekly &amp; mentoring" in html and "Weekly & mentoring" not in html
    assert 'href="https://app.example/settings/notifications"' in html
    if kind.startswith("warning"):
        assert "Ruiz" in text and "Ana &lt;Ruiz&gt;" in html


def test_the_session_time_is_the_readers_with_the_providers_beside() -> None:
    subject, text, html = render("warning_mentee", values(), BOGOTA_ES)
    assert subject == "You missed a session: Weekly & mentoring"
    assert plain(
        'You missed your session "Weekly & mentoring" with Ada on lunes, 7 de enero de 2030, '
        "12:00 p. m. (America/Bogota) \u2014 6:00 p. m. in Europe/Madrid, the mentor's time."
    ) in plain(text)
    assert "lunes, 7 de enero de 2030" in plain(html)


def test_a_mentor_sees_the_provider_zone_as_their_own_schedule() -> None:
    tokyo = Reader(MENTOR, "Asia/Tokyo", "en", STARTS)
    _, text, _ = render("warning_mentor", values(reader=MENTOR), tokyo)
    assert plain(
        "on Tuesday, January 8, 2030, 2:00 AM (Asia/Tokyo) \u2014 Jan 7, 2030, 6:00 PM in "
        "Europe/Madrid, your own schedule's time."
    ) in plain(text)


def test_without_a_preference_the_providers_zone_and_english() -> None:
    _, text, _ = render("warning_mentee", values(), None)
    assert plain("with Ada on Monday, January 7, 2030, 6:00 PM (Europe/Madrid).") in plain(text)
    assert "\u2014" not in text  # the same clock: named once
    zone_only = Reader(MENTEE, None, "es_ES", STARTS)  # a locale, no zone: the provider's
    _, text, _ = render("warning_mentee", values(), zone_only)
    assert plain("lunes, 7 de enero de 2030, 18:00 (Europe/Madrid).") in plain(text)
    broken = Reader(MENTEE, "Nowhere/Atlantis", "xx_NOPE", STARTS)
    _, text, _ = render("warning_mentee", values(), broken)
    assert plain("on Monday, January 7, 2030, 6:00 PM (Europe/Madrid).") in plain(text)


def test_the_cycle_end_is_the_readers_day() -> None:
    _, madrid, _ = render("reprobation_mentee", values("reprobation"), None)
    assert "(until February 4, 2030)" in madrid
    _, bogota, _ = render("reprobation_mentee", values("reprobation"), BOGOTA_ES)
    assert "(until 3 de febrero de 2030)" in bogota
    _, back, _ = render("reactivation_mentee", values("reactivation"), BOGOTA_ES)
    assert "Your upcoming sessions until 3 de febrero de 2030 are back" in back


def test_a_mail_queued_with_its_times_formatted_renders_as_it_was_queued() -> None:
    legacy = {
        k: v
        for k, v in values().items()
        if k not in ("starts_at", "cycle_ends_at", "provider_time_zone", "reader_id")
    }
    legacy |= {"session_time": "Monday 07 January 2030, 18:00 (CET)", "cycle_end": "04 Feb 2030"}
    _, text, _ = render("warning_mentee", legacy, BOGOTA_ES)
    assert "on Monday 07 January 2030, 18:00 (CET)." in text


def test_a_value_a_template_names_and_the_mail_lacks_is_an_error() -> None:
    v = values()
    del v["mentor_name"]
    with pytest.raises(UndefinedError):
        render("warning_mentee", v, None)
