"""Reflex states, thin: check who is asking, call a service, hold what the page shows."""
