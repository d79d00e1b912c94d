# The docbuild manual: built by docbuild itself (`python configure.py && ninja`).
project = "docbuild"
author = "The docbuild developers"
copyright = "2026, The docbuild developers"
version = release = "0.1"
extensions = []
exclude_patterns = []
html_theme = "alabaster"
man_pages = [("index", "docbuild", "build Sphinx documentation with ninja", [author], 1)]
