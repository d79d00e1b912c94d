"""giza's includes overview: includes/generated/overview.rst.

    python -m docbuild.overview --srcdir S --skip BUILD_DIR OUT...

A page for documentation writers (giza's `meta/includes.txt` includes it):
every file of the source's includes/ folder, the pages that include it, an
example `.. include::` line and its content, in giza's words and layout.
configure plans it when the source has a meta/ folder and an
includes/metadata.yaml (its `title`, `domain` and `introduction`).  It is
rewritten only when its text changes.

giza found the clients by `grep -R ".. include:: /"` over the source and
counted, as "clients" of a YAML file, the files it inherits from (`source:`);
both are kept, as are its prefixes list with four missing commas (apiargs,
examples, extracts and generated files are listed, not suppressed).
"""

import argparse
import os
import re
import sys
import textwrap

from docbuild import yamlfile
from docbuild.errors import UserError, entry_point
from docbuild.paths import write_if_changed

SUPPRESSED = ("/includes/apiargs/includes/examples/includes/extracts/includes/generated",
              "/includes/install", "/includes/manpage", "/includes/metadata", "/includes/options",
              "/includes/ref-spec", "/includes/ref-toc", "/includes/releases", "/includes/steps",
              "/includes/table", "/includes/toc")
# giza's content kinds' file prefixes: a YAML file of one that inherits is "generated".
CONTENT_PREFIXES = ("steps", "toc", "ref-toc", "ref-spec", "option", "apiargs", "extracts",
                    "release", "example")
INCLUDE = re.compile(r".*\.\. include:: (.*)")


def fill(text):
    return textwrap.fill(text, width=72, break_on_hyphens=False, break_long_words=False)


def walk(folder, skip=()):
    """Every file below `folder` (sorted), leaving out the folders in `skip`."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if os.path.join(root, d) not in skip)
        for name in sorted(files):
            yield os.path.join(root, name)


def include_graph(srcdir, skip):
    """{included path as written: [client paths]}, as giza's grep found them."""
    graph = {}
    for path in walk(srcdir, skip):
        rel = path[len(srcdir):]
        if rel.endswith("~") or rel.endswith("overview.rst"):
            continue
        try:
            with open(path, encoding="utf-8", errors="surrogateescape") as f:
                text = f.read()
        except OSError:
            continue
        if ".. include:: /" not in text:
            continue
        for line in text.split("\n"):
            match = INCLUDE.match(line)
            if match and ".. include:: /" in line:
                graph.setdefault(match.group(1), set()).add(rel)
    graph = {k: sorted(v) for k, v in graph.items()}
    for child, parents in inherited(srcdir).items():
        graph.setdefault(child, []).extend(parents)
    return graph


def inherited(srcdir):
    """{YAML file: [files it inherits from]} for giza's content kinds' files."""
    mapping = {}
    for path in walk(os.path.join(srcdir, "includes")):
        if not path.endswith("yaml") or not os.path.basename(path).startswith(CONTENT_PREFIXES):
            continue
        try:
            docs = yamlfile.load_documents(path)
        except UserError:
            continue  # configure reports it where the file is content
        deps = ["/includes/" + str(d["source"]["file"]) for d, _ in docs
                if isinstance(d, dict) and isinstance(d.get("source"), dict) and "file" in d["source"]]
        if deps:
            mapping[path[len(srcdir):]] = deps
    return mapping


def records(srcdir, skip):
    graph = include_graph(srcdir, skip)
    generated = inherited(srcdir)
    recursive = {inc for inc, clients in graph.items() if any(c in graph for c in clients)}
    out = []
    for path in walk(os.path.join(srcdir, "includes")):
        rel = path[len(srcdir):]
        if rel.endswith("~") or rel.startswith(SUPPRESSED):
            continue
        clients = [os.path.splitext(c)[0] for c in graph.get(rel, [])]
        clients = [c for c in clients if not c.startswith(("/includes/generated/overview",
                                                           "/includes/manpage-"))]
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            content = [line.rstrip() for line in f.read().splitlines()]
        out.append({"name": os.path.splitext(rel)[0], "path": rel, "clients": clients,
                    "count": len(graph.get(rel, [])), "generated": rel in generated,
                    "recursive": rel in recursive, "content": content})
    return sorted(out, key=lambda r: r["path"])


def page(settings, found):
    """The overview's lines, as giza's RstCloth wrote them (no trailing spaces)."""
    title = str(settings.get("title", ""))
    lines = ["=" * len(title), title, "=" * len(title), "",
             f".. default-domain:: {settings.get('domain', '')}", ""]
    if "introduction" in settings:
        lines += fill(str(settings["introduction"])).split("\n") + [""]
    lines += [".. contents:: Included Files", "   :backlinks: none", "   :class: long-toc",
              "   :depth: 1", "   :local:", ""]
    for record in found:
        lines += record_lines(record)
    return "\n".join(line.rstrip() for line in lines).rstrip("\n") + "\n"


def record_lines(r):
    name = f"``{r['name']}``"
    lines = [name, "-" * len(name), "", "Meta", "~~~~", ""]
    meta = []  # giza's (Python 2) dict order: generated, then recursive
    if r["generated"]:
        meta += fill(f"{name} is a generated file.").split("\n") + [""]
    if r["recursive"]:
        meta += fill(f"{name} is included in another file used as an include.").split("\n") + [""]
    example = ["Example Use", "~~~~~~~~~~~",
               *fill(f"To include {name} in a document, use the following statement:").split("\n"),
               "", ".. code-block:: rst", "", f"   .. include:: {r['path']}", ""]
    if r["count"] == 0:
        return lines + fill(f"{name} is not included in any files.").split("\n") + [""] + content(r)
    if r["count"] == 1:
        text = (f"{name} is only included in yaml files." if not r["clients"]
                else f"{name} is only included in :doc:`{r['clients'][0]}`.")
        return lines + fill(text).split("\n") + [""] + meta + content(r)
    lines += [f"{name} is included in **{r['count']}** files.", ""] + meta
    if r["clients"]:
        pages = [c for c in r["clients"] if not c.startswith("/includes")]
        if len(pages) == 1:
            lines += fill(f":doc:`{pages[0]}` is the only file that includes {name} that is not "
                          "also an include.").split("\n") + [""]
        else:
            lines += ["Client Pages", "~~~~~~~~~~~~", ""]
            for client in pages:
                lines += [f"- :doc:`{client}`", ""]
    return lines + example + content(r)


def content(r):
    language = os.path.splitext(r["path"])[1][1:]
    return ["Content", "~~~~~~~", "", f".. code-block:: {language}", "",
            *("   " + line for line in r["content"]), ""]


def planned(srcdir):
    """includes/metadata.yaml when the overview is wanted (a meta/ folder beside it)."""
    settings = os.path.join(srcdir, "includes", "metadata.yaml")
    if os.path.isdir(os.path.join(srcdir, "meta")) and os.path.isfile(settings):
        return settings
    return None


@entry_point
def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m docbuild.overview")
    p.add_argument("--srcdir", required=True)
    p.add_argument("--skip", action="append", default=[], help="a folder to leave out (the build dir)")
    p.add_argument("outputs", nargs="+")
    args = p.parse_args(argv)
    srcdir = os.path.abspath(args.srcdir)
    settings, _ = yamlfile.load_mapping(os.path.join(srcdir, "includes", "metadata.yaml"))
    text = page(settings, records(srcdir, {os.path.abspath(s) for s in args.skip}))
    for out in args.outputs:
        write_if_changed(out, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
