"""Scheduling: pure SM-2, study-day arithmetic and the queue's rules. No I/O, no clock reads."""
