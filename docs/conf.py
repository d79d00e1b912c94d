# The docbuild manual: built by docbuild itself (`python configure.py && ninja`).
# Only Sphinx's built-in features and the alabaster theme are used, so that the
# manual builds with nothing but docbuild's own dependencies installed.
project = "docbuild"
author = "The docbuild developers"
copyright = "2026, The docbuild developers"
version = release = "0.1"
extensions = []
exclude_patterns = []
root_doc = "index"
highlight_language = "none"

html_theme = "alabaster"
html_title = "docbuild manual"

latex_documents = [("index", "docbuild.tex", "docbuild manual", author, "manual")]
man_pages = [("index", "docbuild", "build Sphinx documentation with ninja", [author], 1)]
texinfo_documents = [("index", "docbuild", "docbuild manual", author, "docbuild",
                      "Build Sphinx documentation with ninja.", "Development")]
epub_title = "docbuild manual"
