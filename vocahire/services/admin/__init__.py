"""Admin: usage figures over time, user management (search, credit adjustments, premium, soft-delete) and
the diagnostics admins run against the deployment."""
