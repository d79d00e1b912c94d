"""The output formats: one row each, named as in Sphinx's make mode.

A format is either a Sphinx builder run (`builder`), or a tool run on another
format's output (`after` + `tool`): latexpdf runs latexmk on the latex output,
info runs makeinfo on the texinfo output.  Every fact about a format is a
column of its row:

  install     the Debian packages that provide `tool`
  help        one line for `ninja help`
  layout      where `ninja stage` puts it in the stage tree by default
              (None: not stageable); {name} is the download name
  source_only built from the sources' language only, never per translation
              (the messages are extracted, the links checked, once)
  navigation  Sphinx writes every page's navigation (toctrees, titles): when
              they change, every page is written again (docbuild.sphinx_ext)
"""

from collections import namedtuple

Format = namedtuple("Format", "name builder after tool install help layout source_only navigation",
                    defaults=(None, False, False))

FORMATS = {f.name: f for f in [
    Format("html", "html", None, None, None, "standalone HTML pages", layout=".", navigation=True),
    Format("dirhtml", "dirhtml", None, None, None, "HTML pages, one folder per page (index.html)",
           layout=".", navigation=True),
    Format("singlehtml", "singlehtml", None, None, None, "one single large HTML page", layout="single"),
    Format("epub", "epub", None, None, None, "an EPUB e-book", layout="{name}.epub"),
    Format("latex", "latex", None, None, None, "LaTeX sources (for PDF)"),
    Format("latexpdf", None, "latex", "latexmk",
           "latexmk texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended tex-gyre",
           "PDF, by running latexmk on the LaTeX sources", layout="{name}.pdf"),
    Format("man", "man", None, None, None, "manual pages", layout="{name}-man.tar.gz"),
    Format("texinfo", "texinfo", None, None, None, "Texinfo sources (for info)"),
    Format("info", None, "texinfo", "makeinfo", "texinfo",
           "Info files, by running makeinfo on the Texinfo sources"),
    Format("text", "text", None, None, None, "plain text files"),
    Format("json", "json", None, None, None, "JSON files (serialized HTML fragments)", layout="json",
           navigation=True),
    Format("xml", "xml", None, None, None, "Docutils-native XML files"),
    Format("gettext", "gettext", None, None, None, "message catalogs (.pot) for translation",
           source_only=True),
    Format("linkcheck", "linkcheck", None, None, None,
           "check every external link (needs the network; never part of `all`)", source_only=True),
]}

# Formats that write from the shared read (the `read` step, Sphinx's dummy
# builder) instead of reading the sources themselves.  html reads on its own,
# so that `ninja html` alone costs what plain sphinx-build costs; gettext
# refuses another builder's environment; linkcheck reads on its own too.
SHARED_READ = {"dirhtml", "singlehtml", "epub", "latex", "man", "texinfo", "text", "json", "xml"}

# The order of the Sphinx edges in build.ninja.  ninja starts ready edges of
# equal priority in the order they are written (checked with ninja 1.13), so
# the writers that usually take longest come first and a build of every
# format does not end with one long writer on one core while the other idles
# (measured per format on Sphinx's docs and the synthetic corpus, see
# docs/benchmarks.rst: dirhtml, epub and text cost most, man least).
EDGE_ORDER = ["html", "dirhtml", "epub", "text", "singlehtml", "latex", "latexpdf", "texinfo",
              "info", "json", "xml", "man", "gettext", "linkcheck"]
assert sorted(EDGE_ORDER) == sorted(FORMATS)

# Formats that `ninja all` leaves out unless they are listed in `formats:`.
NOT_IN_ALL = {"linkcheck"}

DEFAULT_FORMATS = [name for name in FORMATS if name not in NOT_IN_ALL]

# The stageable formats (those with a layout), in the order `ninja stage`
# stages them by default and the error messages list them.
STAGEABLE = ["html", "dirhtml", "singlehtml", "json", "epub", "latexpdf", "man"]
assert sorted(STAGEABLE) == sorted(n for n, f in FORMATS.items() if f.layout is not None)
