#!/usr/bin/env python3
"""Write build.ninja for a Sphinx project; then run `ninja`.

    python configure.py [--source DIR] [--config FILE] [--build-dir DIR]

The same as `python -m docbuild configure`; see `--help`.
"""

import sys

from docbuild.configure import main

if __name__ == "__main__":
    sys.exit(main())
