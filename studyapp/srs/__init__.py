"""Scheduling: pure SM-2 and study-day arithmetic. No I/O, no clock reads."""
