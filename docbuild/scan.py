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
# Directives whose content is shown or run, not parsed as reStructuredText:
# a directive written in it is an example, never executed.
LITERAL_NAMES = ("code-block", "code", "sourcecode", "parsed-literal", "highlight", "doctest", "testcode", "testoutput", "testsetup", "testcleanup", "math", "raw",
                 "productionlist", "ipython", "jupyter-execute", "graphviz", "mermaid", "prompt")
LITERAL_START = re.compile(r"^[ \t]*\.\.[ \t]+(%s)[ \t]?::" % "|".join(LITERAL_NAMES))
# Any directive (docutils' simple reference name, then `::`): not a comment.
ANY_DIRECTIVE = re.compile(r"^[ \t]*\.\.[ \t]+\w+(?:[-.+:]\w+)*[ \t]?::(?:[ \t]|$)")
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
# So does a line that starts a comment (`..` then a blank or the line's end):
# its indented lines are skipped.  A second search, not a third alternative
# above, which makes every search several times slower.  Directives (found
# by `::`), targets (`.. _x:`), substitutions (`.. |x|`) and footnotes
# (`.. [1]`) are left out here already: they are common, and no comments.
_COMMENT_AT = re.compile(r"\.\.(?=[^\S\n]*$|[^\S\n]+(?!\w+(?:[-.+:]\w+)*[^\S\n]?::)[^\s_|\[])",
                         re.M)
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


def is_markdown(path):
    """A MyST (Markdown) source: scanned for MyST directives, not rst ones."""
    return path.endswith((".md", ".markdown"))


def parse_refs(path):
    """[Ref] for every reference in one reStructuredText or MyST file."""
    text, _ = read_source(path)
    return parse_text(text, is_markdown(path)) if text else []


def parse_text(text, markdown=False):
    """[Ref] for every reference in the text of a reStructuredText (or MyST) file."""
    if markdown:
        return _scan_markdown(text)
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
    comment = _next_comment(text, 0)  # the next line that starts a comment, or -1
    while True:
        if not direct and toctree_indent is None:
            if 0 <= comment < pos:
                comment = _next_comment(text, pos)
            match = _INTERESTING.search(text, pos)
            start = match.start() if match else -1
            if start < 0 or 0 <= comment < start:
                start = comment
            if start < 0:
                break
            newline = text.rfind("\n", pos, start)
            if newline >= 0:
                number += text.count("\n", pos, newline + 1)
                pos = newline + 1
        end = text.find("\n", pos)
        if end < 0:
            end = size
        literal_indent, toctree_indent = _line(text[pos:end], number, refs, toctree_indent)
        if literal_indent is not None and literal_indent < 0:
            # A bare `..`: a comment only when the next line is not blank.
            following = text.find("\n", end + 1)
            if end >= size or not text[end + 1:following if following >= 0 else size].strip():
                literal_indent = None
            else:
                literal_indent = -1 - literal_indent
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


def _next_comment(text, pos):
    """The start of the first line from `pos` (a line's start) that starts a comment, or -1."""
    for match in _COMMENT_AT.finditer(text, pos):
        dots = match.start()
        start = text.rfind("\n", 0, dots) + 1
        if start == dots or not text[start:dots].strip():  # `..` starts the line
            return start
    return -1


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
        if literal_indent is not None and literal_indent < 0:
            # A bare `..`: a comment only when the next line is not blank.
            blank_next = number >= len(lines) or not lines[number].strip()
            literal_indent = None if blank_next else -1 - literal_indent
    return refs


def _line(line, number, refs, toctree_indent):
    """Scan one line outside a literal block: (literal block indent or None, toctree indent).

    The indent of the lines to skip after this one (a literal block's, a
    comment's) is returned as -1 - indent for a bare `..`, which is an
    empty comment, skipping nothing, when the next line is blank
    (docutils' rule): the caller looks at that line.
    """
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
        stripped = line.lstrip()
        if stripped.startswith("..") and not stripped[2:3].strip() \
                and not ANY_DIRECTIVE.match(line) and stripped[2:].lstrip()[:1] not in ("_", "|", "["):
            # A comment (not a directive, target, substitution or footnote):
            # its indented lines are not parsed, so nothing in them runs.
            indent = len(line) - len(stripped)
            return (indent if stripped[2:].strip() else -1 - indent), toctree_indent
        return None, toctree_indent
    if match["name"] == "toctree":
        toctree_indent = len(match["indent"])
    elif match["arg"]:
        refs.append(Ref(match["name"], match["arg"], number))
    if match["name"] == "literalinclude":
        return len(match["indent"]), toctree_indent  # its options; it has no content
    return None, toctree_indent


# MyST: a fence line (``` or ~~~, or ::: with the colon_fence extension) and
# its info string.  Only fences matter: a directive is a fence whose info
# string starts with {name}; any other fence is code, never parsed.
_FENCE = re.compile(r"^[^\S\n]*(?P<fence>`{3,}|~{3,}|:{3,})[^\S\n]*(?P<info>[^\n]*?)[^\S\n]*$", re.M)
_MYST_DIRECTIVE = re.compile(r"\{(?P<name>[\w.:+-]+)\}[^\S\n]*(?P<arg>.*)$")
_REF_KINDS = ("include", "literalinclude", "image", "figure", "download")
# MyST directives whose body is not MyST (shown or run as it is).
_MYST_LITERAL = {*LITERAL_NAMES, "literalinclude", "code-cell", "csv-table", "list-table-data"}


def _scan_markdown(text):
    """[Ref] for the MyST directives of a Markdown file, outside code fences.

    Only fence lines are looked at (one regex over the text).  A directive's
    body is MyST too (nested directives count) unless it is code-like; a
    toctree's body lists documents; an eval-rst body is reStructuredText.
    """
    refs = []
    stack = []  # open fences: (char, length, kind, body start offset, line of the body start)
    number, counted = 1, 0  # line number at offset `counted`
    for match in _FENCE.finditer(text):
        number += text.count("\n", counted, match.start())
        counted = match.start()
        fence, info = match["fence"], match["info"]
        if fence[0] == "`" and "`" in info:
            continue  # not a fence: inline code
        if stack and stack[-1][0] == fence[0] and len(fence) >= stack[-1][1] and not info:
            char, length, kind, start, first = stack.pop()
            body = text[start:match.start()]
            if kind == "toctree":
                _myst_toctree(body, first, refs)
            elif kind == "eval-rst":
                refs += [Ref(r.kind, r.target, r.line + first - 1) for r in parse_text(body)]
            continue
        if stack and stack[-1][2] in ("code", "toctree", "eval-rst"):
            continue  # inside a body that is not MyST: fence lines are its text
        directive = _MYST_DIRECTIVE.match(info)
        if not directive:
            kind = "code"
        else:
            name = directive["name"]
            if name in _REF_KINDS and directive["arg"]:
                refs.append(Ref(name, directive["arg"].strip(), number))
            kind = name if name in ("toctree", "eval-rst") else \
                "code" if name in _MYST_LITERAL else "myst"
        stack.append((fence[0], len(fence), kind, match.end() + 1, number + 1))
    refs.sort(key=lambda r: r.line)
    return refs


def _myst_toctree(body, first, refs):
    """The entries of a MyST toctree body: lines that are not options."""
    lines = body.split("\n")
    in_yaml = bool(lines) and lines[0].strip() == "---"  # options as a YAML block
    for offset, line in enumerate(lines):
        stripped = line.strip()
        if in_yaml:
            in_yaml = offset == 0 or stripped != "---"
            continue
        if stripped and not stripped.startswith(":"):
            match = EXPLICIT_TARGET.match(stripped)
            refs.append(Ref("toctree", match["target"] if match else stripped, first + offset))
