"""Test harness: the real bot Application running against the loopback Bot API server."""
