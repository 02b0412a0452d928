"""Request handlers, one module per area of the staff app; routes are listed in ``app.py``."""
