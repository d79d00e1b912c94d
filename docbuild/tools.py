"""Formats made by a tool from another format's output, as in Sphinx's make mode.

    python -m docbuild.tools latexpdf DIR   latexmk on every .tex in DIR
    python -m docbuild.tools info DIR       makeinfo on every .texi in DIR

Runs under docbuild.run, so its output (and the tools') goes to the log.
"""

import glob
import os
import shutil
import subprocess
import sys

from docbuild.formats import FORMATS

def pdflatex_command(folder):
    """The latexmk command line Sphinx wrote into the latex folder's Makefile.

    Sphinx picks it by latex_engine (and its latexmkrc then runs the right
    engine), so docbuild uses exactly that, as `make all-pdf` would.
    """
    try:
        with open(os.path.join(folder, "Makefile"), encoding="utf-8") as f:
            for line in f:
                if line.startswith("PDFLATEX = "):
                    return line.split("=", 1)[1].split()
    except OSError:
        pass
    return ["latexmk", "-pdf", "-dvi-", "-ps-"]


def commands(step, folder):
    if step == "latexpdf":
        sources = sorted(glob.glob(os.path.join(folder, "*.tex")))
        latexmk = pdflatex_command(folder)
        # Non-interactive: a TeX error stops the run instead of waiting for input.
        return [[*latexmk, "-interaction=nonstopmode", "-halt-on-error", "-file-line-error",
                 os.path.basename(s)] for s in sources]
    if step == "info":
        sources = sorted(glob.glob(os.path.join(folder, "*.texi")))
        return [["makeinfo", "--no-split", "-o", os.path.basename(s)[:-5] + ".info",
                 os.path.basename(s)] for s in sources]
    raise SystemExit(f"docbuild.tools: unknown step {step!r}")


def main(argv=None):
    step, folder = (sys.argv[1:] if argv is None else argv)
    fmt = FORMATS[step]
    if shutil.which(fmt.tool) is None:
        print(f"docbuild: {step} needs {fmt.tool}, which is not installed.\n"
              f"  On Debian or Ubuntu: apt-get install {fmt.install}", flush=True)
        return 1
    todo = commands(step, folder)
    if not todo:
        print(f"docbuild: {step}: nothing to convert in {folder}", flush=True)
        return 1
    for command in todo:
        print("$", " ".join(command), flush=True)
        # Output goes straight to our stdout, which docbuild.run made the log file.
        code = subprocess.call(command, cwd=folder, stdin=subprocess.DEVNULL)
        if code:
            print(f"docbuild: {command[0]} failed with status {code}", flush=True)
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
