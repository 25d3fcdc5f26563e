"""Attendance: session projection, attendance, absences, warnings, reprobation."""

SERVICE = "attendance"
