"""Infrastructure: the database, the cache, observability, schema status and the upstream HTTP clients
(OpenAI Realtime, Stripe, Clerk). Imports no domain package: services build on it, never the reverse."""
