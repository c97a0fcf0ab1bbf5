"""Live demos: Numba-compiled programs a card can launch (filled by the demo engine work)."""
