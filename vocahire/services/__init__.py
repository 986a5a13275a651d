"""The business rules in plain Python, one package per domain (accounts, interviews, feedback,
billing, admin). No Reflex or Starlette import and no HTTP status here: errors are domain errors
(``vocahire.errors``)."""
