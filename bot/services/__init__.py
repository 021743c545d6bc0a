"""Use cases: what the handlers ask for, in plain Python over the data-access layer."""
