"""Outgoing e-mail: the outbox a request writes to (``outbox.enqueue``), the branded message builder
(``compose``); the worker in ``vocahire/workers/email_worker.py`` sends them through ``infra/mailer``."""
