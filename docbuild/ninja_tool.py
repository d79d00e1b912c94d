"""The one ninja docbuild uses: the PyPI wheel's (see shared facts: two ninja
versions on one build dir rebuild everything)."""

import os
import shutil


def ninja_binary():
    try:
        import ninja
    except ImportError:  # pragma: no cover - ninja is a dependency
        return shutil.which("ninja") or "ninja"
    return os.path.join(ninja.BIN_DIR, "ninja")
