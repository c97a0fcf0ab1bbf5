"""Live demos: one module per demo, each a run() with typed parameters, its Numba kernels and its drills.

A module keeps its own small kernel helpers (a stable sigmoid, say) rather than importing another module's:
Numba's on-disk cache (`cache=True`) is keyed by the file that holds a kernel, so a caller compiled against a
helper in another file would not notice when that helper is edited, and would keep running the old code.
"""
