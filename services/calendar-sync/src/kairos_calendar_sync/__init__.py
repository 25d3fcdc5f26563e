"""Calendar sync: CalDAV and Google calendars, ICS feeds, email invitations."""

SERVICE = "calendar-sync"
