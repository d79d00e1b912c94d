"""Find a Sphinx project's documents and the references written in them.

Scanning is syntax only: which files exist, and which `include`,
`literalinclude`, `image`, `figure`, `download` and toctree entries each file
names, with their line numbers.  Resolving those names to files is the
graph's job (graph.py).
"""

import os
import re
from dataclasses import dataclass, field

from sphinx.util.matching import compile_matchers

# Sphinx leaves these out of every project (sphinx.project.EXCLUDE_PATHS).
SPHINX_EXCLUDES = ["**/_sources", ".#*", "**/.#*", "*.lproj/**"]

DIRECTIVE = re.compile(
    r"^(?P<indent>[ \t]*)\.\.[ \t]+(?P<name>include|literalinclude|image|figure|download|toctree)"
    r"::[ \t]*(?P<arg>.*?)[ \t]*$"
)
# Directives whose content is shown, not parsed.
LITERAL_START = re.compile(r"^[ \t]*\.\.[ \t]+(code-block|code|sourcecode|parsed-literal|highlight)::")
DOWNLOAD_ROLE = re.compile(r":download:`(?P<arg>[^`]+)`")
EXPLICIT_TARGET = re.compile(r"^(?P<title>.*?)\s*<(?P<target>[^<>]+)>$")


@dataclass
class Ref:
    kind: str  # include, literalinclude, image, figure, download, toctree
    target: str  # as written
    line: int


@dataclass
class Project:
    srcdir: str  # absolute
    docs: list = field(default_factory=list)  # relative to srcdir, '/'-separated
    dirs: list = field(default_factory=list)  # absolute folders scanned (their mtimes matter)
    files: list = field(default_factory=list)  # every file found, relative to srcdir


def find_sources(srcdir, suffixes, exclude_patterns, include_patterns=("**",), skip=()):
    """Walk srcdir like Sphinx does: every folder and file, and which are documents.

    `skip` holds absolute folders never to enter (the build dir when it lies
    inside the source dir).
    """
    exclude = compile_matchers([*exclude_patterns, *SPHINX_EXCLUDES])
    include = compile_matchers(include_patterns or ["**"])
    suffixes = tuple(suffixes)
    project = Project(srcdir=srcdir)
    skip = {os.path.normpath(s) for s in skip}
    for root, dirs, files in os.walk(srcdir):
        rel_root = os.path.relpath(root, srcdir)
        rel_root = "" if rel_root == "." else rel_root.replace(os.sep, "/") + "/"
        kept = []
        for d in sorted(dirs):
            rel = rel_root + d
            if d.startswith(".") or d == "__pycache__" or os.path.join(root, d) in skip:
                continue
            if any(m(rel) for m in exclude):
                continue
            kept.append(d)
        dirs[:] = kept
        project.dirs.append(root)
        for name in sorted(files):
            rel = rel_root + name
            project.files.append(rel)
            if name.endswith(suffixes) and not any(m(rel) for m in exclude) \
                    and any(m(rel) for m in include):
                project.docs.append(rel)
    return project


def parse_refs(path):
    """[Ref] for every reference in one reStructuredText file."""
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    refs = []
    toctree_indent = None
    literal_indent = None  # inside a literal or code block: examples, not references
    for number, line in enumerate(lines, 1):
        if literal_indent is not None:
            stripped = line.strip()
            if not stripped or len(line) - len(line.lstrip()) > literal_indent:
                continue
            literal_indent = None
        if LITERAL_START.match(line) or (line.rstrip().endswith("::") and not DIRECTIVE.match(line)
                                         and not line.lstrip().startswith("..")):
            literal_indent = len(line) - len(line.lstrip())
            continue
        if toctree_indent is not None:
            stripped = line.strip()
            indent = len(line) - len(line.lstrip())
            if stripped and indent <= toctree_indent:
                toctree_indent = None
            elif stripped and not stripped.startswith(":"):
                match = EXPLICIT_TARGET.match(stripped)
                refs.append(Ref("toctree", match["target"] if match else stripped, number))
                continue
            else:
                continue
        if ":download:" in line:
            for match in DOWNLOAD_ROLE.finditer(line):
                target = EXPLICIT_TARGET.match(match["arg"])
                refs.append(Ref("download", (target["target"] if target else match["arg"]).strip(), number))
        if ".." not in line:
            continue
        match = DIRECTIVE.match(line)
        if not match:
            continue
        if match["name"] == "toctree":
            toctree_indent = len(match["indent"])
        elif match["arg"]:
            refs.append(Ref(match["name"], match["arg"], number))
    return refs
