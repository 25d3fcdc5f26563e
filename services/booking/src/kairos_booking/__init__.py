"""Booking: providers, offerings, availability, slots, holds, bookings, enrollments."""

SERVICE = "booking"
