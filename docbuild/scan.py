"""Find a Sphinx project's documents and the references written in them.

Scanning is syntax only: which files exist, and which `include`,
`literalinclude`, `image`, `figure`, `download` and toctree entries each file
names, with their line numbers.  Resolving those names to files is the
graph's job (graph.py).
"""

import os
import re
import stat
import sys
from dataclasses import dataclass, field

from sphinx.util.matching import compile_matchers

from docbuild import userfile
from docbuild.paths import spell

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


# Line breaks of str.splitlines() other than "\n" (reading in text mode made
# "\r\n" and "\r" into "\n"): a file with one of these is scanned line by
# line, the slow way.  (`in` is several times faster than a regex here.)
_RARE_BREAKS = "\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
# Outside toctrees and literal blocks, only a line holding one of these can
# do anything: every directive, literal block start and download role does.
_INTERESTING = re.compile(r"::|:download:")
_BLOCK_ENDS = {}  # indent -> pattern of the next non-blank line indented at most that much


def _block_end(indent):
    pattern = _BLOCK_ENDS.get(indent)
    if pattern is None:
        pattern = _BLOCK_ENDS[indent] = re.compile(r"^[^\S\n]{0,%d}\S" % indent, re.M)
    return pattern


def read_source(path):
    """(text, [mtime_ns, size]) of a file; (None, None) when it cannot be opened.

    One open, fstat and read: half the cost of a text-mode open() and a
    stat, for the thousands of files a cold configure reads.  Line breaks
    are left as they are ("\r\n" counts as one, as in text mode: see
    parse_text).  A folder, or a file that cannot be read, has no text ("").
    Anything else that is not a regular file (a FIFO, a link to /dev/zero)
    or is over userfile.MAX_SIZE is skipped with a warning: reading it would
    hang configure or fill the memory.
    """
    try:
        data, st = userfile.read(path)
    except userfile.NotReadable as exc:
        if stat.S_ISDIR(exc.st.st_mode):
            return "", [exc.st.st_mtime_ns, exc.st.st_size]
        print(f"docbuild: {spell(path)}: warning: {exc}: not scanned, and not read by Sphinx "
              f"(remove it, or list it in exclude_patterns)", file=sys.stderr, flush=True)
        return None, None
    except OSError:
        return None, None
    return data.decode("utf-8-sig", "replace"), [st.st_mtime_ns, st.st_size]


def parse_refs(path):
    """[Ref] for every reference in one reStructuredText file."""
    text, _ = read_source(path)
    return parse_text(text) if text else []


def parse_text(text):
    """[Ref] for every reference in the text of a reStructuredText file."""
    if any(c in text for c in _RARE_BREAKS):
        return _scan_lines(text.splitlines())
    return _scan_text(text)


def _scan_text(text):
    """parse_refs on text whose only line break is "\n", without visiting every line.

    The same as _scan_lines(text.splitlines()), but only the lines that can
    matter are looked at: outside a toctree, the next line holding `::` or
    `:download:` (the lines in between do nothing), and after the start of a
    literal block, the first line that ends it (found by one regex search).
    """
    refs = []
    toctree_indent = None
    size = len(text)
    pos, number = 0, 1  # the start of the line to look at, and its number
    direct = False  # look at the line at pos, not the next interesting one
    while True:
        if not direct and toctree_indent is None:
            match = _INTERESTING.search(text, pos)
            if not match:
                break
            newline = text.rfind("\n", pos, match.start())
            if newline >= 0:
                number += text.count("\n", pos, newline + 1)
                pos = newline + 1
        end = text.find("\n", pos)
        if end < 0:
            end = size
        literal_indent, toctree_indent = _line(text[pos:end], number, refs, toctree_indent)
        if literal_indent is not None:
            match = _block_end(literal_indent).search(text, end + 1)
            if not match:
                break
            number += text.count("\n", pos, match.start())
            pos, direct = match.start(), True
            continue
        if end >= size:
            break
        pos, number, direct = end + 1, number + 1, False
    return refs


def _scan_lines(lines):
    refs = []
    toctree_indent = None
    literal_indent = None  # inside a literal or code block: examples, not references
    for number, line in enumerate(lines, 1):
        if literal_indent is not None:
            stripped = line.strip()
            if not stripped or len(line) - len(line.lstrip()) > literal_indent:
                continue
        literal_indent, toctree_indent = _line(line, number, refs, toctree_indent)
    return refs


def _line(line, number, refs, toctree_indent):
    """Scan one line outside a literal block: (literal block indent or None, toctree indent)."""
    if LITERAL_START.match(line) or (line.rstrip().endswith("::") and not DIRECTIVE.match(line)
                                     and not line.lstrip().startswith("..")):
        return len(line) - len(line.lstrip()), toctree_indent
    if toctree_indent is not None:
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if stripped and indent <= toctree_indent:
            toctree_indent = None
        elif stripped and not stripped.startswith(":"):
            match = EXPLICIT_TARGET.match(stripped)
            refs.append(Ref("toctree", match["target"] if match else stripped, number))
            return None, toctree_indent
        else:
            return None, toctree_indent
    if ":download:" in line:
        for match in DOWNLOAD_ROLE.finditer(line):
            target = EXPLICIT_TARGET.match(match["arg"])
            refs.append(Ref("download", (target["target"] if target else match["arg"]).strip(), number))
    if ".." not in line:
        return None, toctree_indent
    match = DIRECTIVE.match(line)
    if not match:
        return None, toctree_indent
    if match["name"] == "toctree":
        toctree_indent = len(match["indent"])
    elif match["arg"]:
        refs.append(Ref(match["name"], match["arg"], number))
    return None, toctree_indent
