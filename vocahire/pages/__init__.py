"""One module per page, each a function returning a component."""
