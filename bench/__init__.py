"""Benchmarks of the real bot stack: start-up, reminder dispatch and the database side.

Run everything with ``python -m bench`` (``--quick`` for a short run); see bench/README.md.
"""
