"""The corpora the benchmarks build, and the edits they make to them.  Not a script.

    sdist(name, version, downloads) -> tarball    (pip download, once)
    unpack(tarball, dest)                         (its one top folder becomes dest)
    corpus(name_or_dir, work, pages, page, root) -> Corpus
    append_paragraph(path, marker); edit_yaml(path, ref, marker)

Corpora: `synthetic` (synthetic.py, --pages N), `sphinx` (Sphinx 9.0.4's doc/,
from its sdist: the whole sdist is the copied root, since doc/ includes
../AUTHORS.rst and others), `manual` (our docs/), or any Sphinx source folder.
"""

import glob
import os
import re
import shutil
import subprocess
import sys
import tarfile

import synthetic
from common import REPO, BenchError, read

SPHINX = ("sphinx", "9.0.4")
DOWNLOADS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "work", "download")


class Corpus:
    """What to copy and what to edit.

    root: the folder copied per tool; rel: the Sphinx source dir inside it;
    page: a plain page (relative to the source dir); include: a hand-written
    included file (relative to root) and include_pages (docnames that show
    it); yaml: (file relative to the source dir, document ref, docname).
    """

    def __init__(self, name, root, rel, page, include=None, include_pages=(), yaml=None, stats=None):
        self.name, self.root, self.rel, self.page = name, root, rel, page
        self.include, self.include_pages, self.yaml = include, list(include_pages), yaml
        self.stats = stats or {}


def corpus(name, work, pages=600, page=None, root=None):
    """The corpus `name` (synthetic, sphinx, manual or a Sphinx source folder)."""
    if name == "synthetic":
        dest = os.path.join(work, "corpora", f"synthetic-{pages}")
        d = synthetic.write(dest, pages)
        return Corpus("synthetic", dest, ".", d["page"], d["include"], d["include_pages"],
                      (d["yaml"], d["yaml_ref"], d["yaml_page"]), d["stats"])
    if name == "sphinx":
        top = os.path.join(DOWNLOADS, "-".join(SPHINX))
        if not os.path.isfile(os.path.join(top, "doc", "conf.py")):
            unpack(sdist(*SPHINX, DOWNLOADS), top)
        # usage/markdown.rst uses only roles conf.py registers, so rebuilding it
        # alone gives a full build's page (usage/extensions/duration.rst does not)
        return Corpus("sphinx", top, "doc", page or "usage/markdown.rst", "AUTHORS.rst", ["authors"])
    if name == "manual":
        return Corpus("manual", os.path.join(REPO, "docs"), ".", page or "troubleshooting.rst", None, [],
                      ("includes/steps-quickstart.yaml", "install", "quickstart"))
    srcdir = os.path.abspath(name)
    if not os.path.isfile(os.path.join(srcdir, "conf.py")):
        raise BenchError(f"{srcdir} has no conf.py: --corpus must be synthetic, sphinx, manual "
                         "or a Sphinx source dir")
    root = os.path.abspath(root) if root else project_root(srcdir)
    if srcdir != root and not srcdir.startswith(root + os.sep):
        raise BenchError(f"--root {root} does not contain the corpus {srcdir}")
    if not page or not os.path.isfile(os.path.join(srcdir, page)):
        raise BenchError(f"the page {page} is not in {srcdir}; choose one with --page")
    return Corpus(os.path.basename(srcdir), root, os.path.relpath(srcdir, root), page)


def project_root(srcdir):
    """The folder to copy: the source dir, or its parent when that is a project root
    (docs often include files beside them, which a copy of the source dir would lose)."""
    parent = os.path.dirname(srcdir)
    markers = ("pyproject.toml", "setup.py", "setup.cfg", ".git")
    return parent if any(os.path.exists(os.path.join(parent, m)) for m in markers) else srcdir


def count(srcdir):
    docs = yaml_files = 0
    for root, dirs, files in os.walk(srcdir):
        dirs[:] = [d for d in dirs if not d.startswith((".", "_build"))]
        docs += sum(f.endswith(".rst") for f in files)
        yaml_files += sum(f.endswith(".yaml") for f in files) if os.sep + "includes" in root else 0
    return {"rst_files": docs, "yaml_files": yaml_files}


# --- sdists ------------------------------------------------------------------------------------

def sdist(name, version, downloads):
    """NAME-VERSION's sdist in `downloads`, fetched with pip the first time."""
    os.makedirs(downloads, exist_ok=True)
    pattern = os.path.join(downloads, f"{re.sub('[-_.]', '[-_.]', name)}-{version}.tar.gz")
    if not glob.glob(pattern):
        print(f"downloading the {name}=={version} sdist into {downloads} ...", flush=True)
        log = os.path.join(downloads, f"pip-{name}.log")
        with open(log, "w", encoding="utf-8") as f:
            rc = subprocess.call([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary",
                                  ":all:", f"{name}=={version}", "-d", downloads],
                                 stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT)
        if rc or not glob.glob(pattern):
            raise BenchError(f"pip download {name}=={version} failed; see {log}")
    return glob.glob(pattern)[0]


def unpack(tarball, dest):
    """Unpack the sdist's single top folder as `dest`."""
    if os.path.exists(dest):
        shutil.rmtree(dest)
    tmp = dest + ".unpack"
    shutil.rmtree(tmp, ignore_errors=True)
    with tarfile.open(tarball) as tar:
        tar.extractall(tmp, filter="data")
    (inner,) = os.listdir(tmp)
    os.rename(os.path.join(tmp, inner), dest)
    os.rmdir(tmp)


# --- edits ---------------------------------------------------------------------------------------

def append_paragraph(path, marker):
    with open(path, "a", encoding="utf-8") as f:
        f.write(f"\n\n{marker}\n")


BLOCK_KEY = re.compile(r"^(content|pre|description|definition|post): *[|>][-+]?\s*$")


def edit_yaml(path, ref, marker):
    """Add a paragraph to the first block-scalar text field of the document `ref: REF`."""
    lines = read(path).split("\n")
    start = 0
    if ref:
        start = next((i for i, line in enumerate(lines) if line.strip() == f"ref: {ref}"), None)
        if start is None:
            raise BenchError(f"no document with ref {ref} in {path}")
        while start > 0 and lines[start - 1] != "---":
            start -= 1
    i = start
    while i < len(lines) and lines[i] != "---":
        if BLOCK_KEY.match(lines[i]):
            j, last, pad = i + 1, None, None
            while j < len(lines) and (lines[j].startswith(" ") or not lines[j].strip()):
                if lines[j].strip():
                    last = j
                    if pad is None:
                        pad = lines[j][:len(lines[j]) - len(lines[j].lstrip())]
                j += 1
            if last is not None:
                lines[last + 1:last + 1] = ["", pad + marker]
                with open(path, "w", encoding="utf-8") as f:
                    f.write("\n".join(lines))
                return
        i += 1
    raise BenchError(f"no block-scalar text field (content: |, pre: |, ...) in {ref or 'the first document'} "
                     f"of {path}")
