"""Exam prep: the question bank as scorable units, grading, sessions, FSRS scheduling, the store, stats."""
