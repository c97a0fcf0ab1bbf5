"""Benchmarks: each measures revise against a reference run in the same process; `python -m bench` runs all."""
