"""Feedback: the background jobs, the AI call, the measured speech figures, and the report a candidate
reads."""
