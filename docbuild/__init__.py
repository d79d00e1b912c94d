"""docbuild: build large Sphinx documentation sites with ninja.

Kept empty on purpose: every step imports this package first, and a step
must start fast.
"""

__version__ = "0.1.0"  # the one place: pyproject.toml reads it (dynamic version)
