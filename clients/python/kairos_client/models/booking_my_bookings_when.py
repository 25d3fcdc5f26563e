from typing import Literal

BookingMyBookingsWhen = Literal["past", "upcoming"]

BOOKING_MY_BOOKINGS_WHEN_VALUES: set[BookingMyBookingsWhen] = {
    "past",
    "upcoming",
}


def check_booking_my_bookings_when(value: str) -> BookingMyBookingsWhen:
    if value in BOOKING_MY_BOOKINGS_WHEN_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {BOOKING_MY_BOOKINGS_WHEN_VALUES!r}"
    )
