"""Path spelling, escaping and atomic writes, shared by configure and every step.

Ninja compares paths as spelled, so configure (writing build.ninja) and the
steps (writing depfiles) must spell a file the same way: `spell` is the one
place that decides.  Files under the top directory (where build.ninja lives,
ninja's working directory) are relative to it; everything else is absolute.
"""

import hashlib
import os
import shlex
import sys

from docbuild.errors import UserError


def spell(path, top=None):
    """The one spelling of `path` used in build.ninja and depfiles."""
    top = top or os.getcwd()
    path = os.path.normpath(os.path.join(top, os.fspath(path)))
    if path.startswith(top + os.sep):  # the common case, without relpath's cost
        return path[len(top) + 1:]
    if path == top:
        return os.curdir
    if top != os.sep and os.path.isabs(top) and os.path.normpath(top) == top:
        return path  # outside top: relpath would start with ".."
    rel = os.path.relpath(path, top)
    if rel == os.curdir:
        return rel
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return path
    return rel


def check_name(path, where=None):
    """A file name that build.ninja and its depfiles can hold: ninja files are
    line based and UTF-8 here, so a line break, a NUL or bytes that are not
    UTF-8 (a name Python decoded with surrogateescape) cannot be expressed."""
    if "\n" in path or "\r" in path or "\0" in path:
        problem, hint = "contains a line break" + (" or NUL" if "\0" in path else ""), \
            "rename the file; build.ninja cannot name it"
    elif path.isascii() or _utf8(path):
        return path
    else:
        problem, hint = "is not valid UTF-8", \
            "rename it (Sphinx cannot build a document whose name is not UTF-8 either)"
    if where == path:  # the name is the place: say it once, on one line
        raise UserError(f"this file name {problem}", where=ascii(path) if "\n" in path or "\r" in path
                        else shown(path), hint=hint)
    raise UserError(f"the file name {ascii(path) if problem[0] == 'c' else shown(path)} {problem}",
                    where=where, hint=hint)


def _utf8(text):
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def shown(path):
    """`path` as the user would see it: bytes that are not UTF-8 as \\xNN."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def data_dir():
    """The folder that holds build.ninja.in and templates/.  In a source tree
    (a checkout, also behind an editable install, or the benchmarks' copy of
    one) they lie at its top, beside the package; an installed wheel holds
    them in the package as package data (pyproject.toml), which
    importlib.resources finds."""
    tree = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if os.path.isfile(os.path.join(tree, "build.ninja.in")):
        return tree
    from importlib.resources import files

    return str(files("docbuild"))


NINJA_SPECIAL = set("$ :|\n\r\0")


def ninja_path(path):
    """Escape a path for a `build` line: `$`, space, colon and `|` are special.

    ninja has no escape for `|`: it is written `${pipe}`, a variable that
    build.ninja.in defines as `|` (a variable's value is not parsed again).
    """
    if NINJA_SPECIAL.isdisjoint(path) and path.isascii():  # nearly every path: nothing to do
        return path
    check_name(path)
    return path.replace("$", "$$").replace(" ", "$ ").replace(":", "$:").replace("|", "${pipe}")


def ninja_value(text):
    """Escape text for the right-hand side of a ninja variable (`$`, and a
    leading space, which ninja would strip)."""
    check_name(text)
    text = text.replace("$", "$$")
    return "$" + text if text.startswith(" ") else text


def shell_arg(text):
    """A shell word for a command line in build.ninja (quoted, then $-escaped)."""
    return ninja_value(shlex.quote(os.fspath(text)))


# Characters ninja's depfile parser cannot take back from a depfile, escaped
# or not (measured on ninja 1.13 with every printable ASCII character).
DEPFILE_UNSAFE = set("*;<>[\\^`|") | {chr(c) for c in range(32)} | {chr(127)}


def depfile_safe(path):
    return DEPFILE_UNSAFE.isdisjoint(path)


def depfile_path(path):
    """Escape a path for a Makefile-style depfile, as ninja's parser reads it.

    Only space, `#` and `$` can be escaped; check `depfile_safe` first.
    """
    return path.replace("$", "$$").replace(" ", "\\ ").replace("#", "\\#")


def depfile_entry(path, top, alias_dir):
    """`path` as a depfile names it: escaped, or when ninja's depfile parser
    cannot spell it (a `|` or a backtick in a folder name), a symlink to it in
    `alias_dir`.  ninja follows symlinks when it checks mtimes, so an edit of
    the file dirties the link, and a deleted file leaves a dangling link:
    dirty too.  (The build dir itself is refused by configure when unsafe.)
    """
    spelled = spell(path, top)
    if depfile_safe(spelled):
        return depfile_path(spelled)
    path = os.path.join(top, path)
    link = os.path.join(alias_dir, hashlib.sha1(path.encode("utf-8", "surrogateescape")).hexdigest())
    if not os.path.islink(link) or os.readlink(link) != path:
        os.makedirs(alias_dir, exist_ok=True)
        tmp = f"{link}.tmp{os.getpid()}"
        os.symlink(path, tmp)
        os.replace(tmp, link)
    return depfile_path(spell(link, top))


def write_if_changed(path, data):
    """Write `data` (str or bytes) atomically, and only if the bytes differ.

    Returns True when the file was written.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    try:
        with open(path, "rb") as f:
            if f.read() == data:
                return False
    except FileNotFoundError:
        pass
    write_atomic(path, data)
    return True


def write_atomic(path, data):
    """Write `data`: a reader never sees a half-written file, because the
    data goes to a temporary file in the same folder that is then renamed
    over the target."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# docbuild's own files in a doctree dir start with this (the warnings memory,
# the pending and navigation state, sphinx_xrefs' and sphinx_search's records):
# each Sphinx step keeps its own, and nothing copies them from one doctree dir
# to another (sphinx_step.sync_doctrees, the CI matrix's artifacts).
OWN_STATE_PREFIX = "docbuild-"


class BuildDir:
    """Every path below the build folder, in one place: no other module joins
    a folder name to the build dir.

        stamps/STEP.stamp, stamps/STEP.d   a step's stamp and depfile
        logs/STEP.log                      a step's log (logs/images/NAME.log)
        doctrees/STEP/                     a Sphinx step's doctrees
        STEP/                              a format's output (html, html-cloud, latex-ja...)
        gen/                               generated reStructuredText
        locales/                           compiled translations
        redirects/                         the redirect pages and server configs
        dist/                              archives and picked files (downloads)
        .docbuild/NAME                     configure's plans and caches, the steps' state
        report.json, junit.xml, timing.*   what report and timing write
    """

    FOLDERS = ("stamps", "logs", "doctrees", "gen", "locales", "redirects", "dist", ".docbuild")
    FILES = ("report.json", "junit.xml", "timing.json", "timing.html")
    # What `docbuild clean` keeps: what makes the next build fast, and the logs.
    KEPT = ("doctrees", "gen", "locales", "redirects", ".docbuild", "logs")

    def __init__(self, root):
        self.root = os.fspath(root)

    def __fspath__(self):
        return self.root

    def __repr__(self):
        return f"BuildDir({self.root!r})"

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def stamp(self, step):
        return os.path.join(self.root, "stamps", f"{step}.stamp")

    def depfile(self, step):
        return os.path.join(self.root, "stamps", f"{step}.d")

    def log(self, step):
        return os.path.join(self.root, "logs", f"{step}.log")

    def doctrees(self, step):
        return os.path.join(self.root, "doctrees", step)

    def output(self, step):
        """The folder a format's step writes (its target name: html, latex-ja)."""
        return os.path.join(self.root, step)

    def state(self, name=""):
        """A file (or, with no name, the folder) of configure's and the steps' own state."""
        return os.path.join(self.root, ".docbuild", name) if name else os.path.join(self.root, ".docbuild")

    # The folders of one kind of output each, below the build dir.
    gen = property(lambda self: os.path.join(self.root, "gen"))
    locales = property(lambda self: os.path.join(self.root, "locales"))
    redirects = property(lambda self: os.path.join(self.root, "redirects"))
    dist = property(lambda self: os.path.join(self.root, "dist"))

    def kept(self):
        """The folders `docbuild clean` leaves (without --all): caches and logs."""
        return [os.path.join(self.root, name) for name in self.KEPT]

    def created(self):
        """The folders configure creates before anything runs."""
        return [self.root, *(os.path.join(self.root, sub) for sub in ("logs", "stamps", ".docbuild"))]

    def reserved(self, name, outputs=()):
        """Whether the top-level entry `name` is one the build writes: its own
        folders and files, or `outputs`, the output folders of the steps."""
        return name in self.FOLDERS or name in self.FILES or name in outputs


def load_json(path):
    """A JSON file of the build's own state (a cache), or {} when it is missing or unreadable."""
    import json

    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def read_plan(build_dir, name):
    """A JSON file configure wrote into the build dir's .docbuild folder, or a
    UserError that says to run configure."""
    import json

    path = BuildDir(build_dir).state(name)
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except OSError:
        raise UserError(f"{path} not found",
                        hint="run `python configure.py` first (or pass --build-dir)") from None


# One file or folder name made from a value someone wrote (a YAML `ref`, an
# edition, a stage name, an expanded {version}): it must stay one name in the
# folder it is joined to, and be a line of its own in a names file.
MAX_COMPONENT = 200  # bytes of UTF-8; the file system allows 255
COMPONENT_RULES = ("one name: no / or \\, not starting with `.`, no control, format or "
                   f"line-separator characters, at most {MAX_COMPONENT} bytes")


def component_problem(value):
    """Why `value` cannot be one path component, or None when it can."""
    import unicodedata

    if not isinstance(value, str) or not value:
        return "it is empty"
    if "/" in value or "\\" in value:
        return "it holds a / or \\"
    if value.startswith("."):
        return "it starts with `.`"
    for char in value:
        # Cc: C0, DEL and C1 (NUL, tab, newline, U+0085); Cf: invisible format
        # characters (bidi overrides); Cs: lone surrogates (not UTF-8);
        # Zl, Zp: U+2028 and U+2029, which split a line like a newline.
        if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp"):
            return f"it holds the character U+{ord(char):04X}"
    if len(value.encode("utf-8")) > MAX_COMPONENT:
        return f"it is longer than {MAX_COMPONENT} bytes"
    return None


def component(value, where=None, what="the name"):
    """`value`, when it can be one file or folder name; else a UserError at `where`."""
    problem = component_problem(value)
    if problem:
        shown = repr(value) if len(str(value)) <= 80 else repr(str(value)[:60]) + "..."
        raise UserError(f"{what} {shown} cannot be a file name: {problem}", where=where,
                        hint="use " + COMPONENT_RULES)
    return value


def working_folder_last():
    """Move the working folder that `python -m` put first on sys.path to the
    end.  sphinx-build, a console script, does not put it there at all: a
    conf.py run from a project's root that imports the project must find the
    installed package, not the source tree beside it (setuptools' docs: 58
    pages with the one, 54 with the other).  Last rather than gone, so that
    a docbuild run from its own checkout still imports itself."""
    here = os.getcwd()
    if sys.path and sys.path[0] in ("", here):
        sys.path.append(sys.path.pop(0))


def file_sha256(path):
    """The SHA-256 of a file's bytes, read in blocks (a staged file may be large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
