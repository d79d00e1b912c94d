"""One Sphinx build, in this process, reporting every file it read.

    python -m docbuild.sphinx_step --builder B --depfile F --srcdir S
        --confdir C --outdir O --doctreedir D --build-dir BD --jobs N
        -- [extra sphinx-build options]

It runs sphinx-build's own main() with docbuild's Sphinx extension added to
Sphinx's built-in list, so the project's conf.py is not touched.  The
extension writes the depfile when the build finishes: every document, every
file Sphinx recorded as a dependency (includes, literalincludes, images,
downloads), conf.py, templates, static files, catalogs, and every other file
the process opened for reading outside Python's own installation.
"""

import os
import sys

from docbuild import sphinx_ext


def parse(argv):
    split = argv.index("--") if "--" in argv else len(argv)
    own, extra = argv[:split], argv[split + 1:]
    opts = dict(zip((k.lstrip("-").replace("-", "_") for k in own[::2]), own[1::2]))
    return opts, extra


def main(argv=None):
    opts, extra = parse(sys.argv[1:] if argv is None else argv)
    sphinx_ext.SETTINGS.update(opts, top=os.getcwd())
    sys.addaudithook(sphinx_ext.audit)

    import sphinx.application
    from sphinx.cmd.build import build_main

    if "docbuild.sphinx_ext" not in sphinx.application.builtin_extensions:
        sphinx.application.builtin_extensions += ("docbuild.sphinx_ext",)
    args = ["-b", opts["builder"], "-d", opts["doctreedir"], "-c", opts["confdir"], "--no-color"]
    if int(opts.get("jobs", 1)) > 1:
        args += ["-j", opts["jobs"]]
    return build_main([*args, *extra, opts["srcdir"], opts["outdir"]])


if __name__ == "__main__":
    sys.exit(main())
