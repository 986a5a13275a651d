"""Background loops started with the app (Reflex lifespan tasks)."""
