"""ninja, and the one file of ninja's that docbuild reads: `.ninja_log`.

The binary is the PyPI wheel's: two ninja versions on one build dir rebuild
everything (docs/troubleshooting.rst, two-ninjas).  The log is read here and nowhere else: by
timing, report, configure's restat and the benchmarks, so that all of them
accept the same versions and the same lines.

The log (ninja writes v5 up to 1.11, v6 in 1.12, v7 in 1.13; the lines are
the same) is a header `# ninja log vN` and one line per output of an edge
that finished: start_ms, end_ms, mtime, output, command hash, tab-separated.
An output may itself hold a tab, so it is every field between the third and
the last.  A line cut short (a crash while ninja wrote it) is skipped.
"""

import os
import shutil
import subprocess

from docbuild.errors import UserError

LOG = ".ninja_log"
VERSIONS = (5, 6, 7)
HEADER = "# ninja log v"
NO_LOG_HINT = "build first (`ninja`), or pass --log with the .ninja_log beside build.ninja"
NO_ENTRIES_HINT = "run a build first (ninja logs only steps that succeeded)"


def ninja_binary():
    try:
        import ninja
    except ImportError:  # pragma: no cover - ninja is a dependency
        return shutil.which("ninja") or "ninja"
    return os.path.join(ninja.BIN_DIR, "ninja")


def call(args, cwd=None, quiet=False):
    """Run ninja with `args`; its exit status.  stdin is never ninja's (a
    child waiting on the terminal would hang a build); `quiet` drops its
    output."""
    out = subprocess.DEVNULL if quiet else None
    return subprocess.call([ninja_binary(), *args], cwd=cwd, stdin=subprocess.DEVNULL,
                           stdout=out, stderr=out)


def log_path(top):
    """The log ninja keeps beside a build.ninja in `top` (build.ninja sets no builddir)."""
    return os.path.join(top, LOG)


# --- Reading the log ---------------------------------------------------------

def read_log(path):
    """(version, [(start, end, output, cmdhash)], skipped lines) of a .ninja_log.
    Raises UserError for a missing, unreadable, empty or foreign file."""
    version, lines, skipped = _read(path)
    return version, [(start, end, output, cmdhash) for start, end, _, output, cmdhash in lines], skipped


def _read(path):
    """read_log() with each line's mtime field kept: (start, end, mtime, output, cmdhash)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise UserError("no such file", where=path, hint=NO_LOG_HINT)
    except OSError as exc:
        raise UserError(f"cannot read: {exc.strerror}", where=path)
    if not data.strip():
        raise UserError("no entries: the file is empty", where=path, hint=NO_ENTRIES_HINT)
    lines = data.decode("utf-8", "surrogateescape").split("\n")
    version = _version(lines[0].strip(), path)
    entries, skipped = [], 0
    for line in lines[1:]:
        line = line.rstrip("\r")
        if not line or line.startswith("#"):
            continue
        entry = _entry(line)
        if entry is None:
            skipped += 1
        else:
            entries.append(entry)
    if not entries:
        raise UserError("no entries: no step has finished since the log was started", where=path,
                        hint=NO_ENTRIES_HINT)
    return version, entries, skipped


def _version(header, path):
    if not header.startswith(HEADER):
        raise UserError("not a ninja log (the first line is not '# ninja log vN')", where=(path, 1))
    number = header[len(HEADER):]
    if not number.isdigit() or int(number) not in VERSIONS:
        raise UserError(f"unsupported ninja log version {header[len('# ninja log '):]!r} "
                        f"(this reads v5, v6 and v7)", where=(path, 1),
                        hint="build with the ninja docbuild uses (the PyPI wheel), which writes v7")
    return int(number)


def _entry(line):
    """(start, end, mtime, output, cmdhash) of one log line, or None for a malformed one."""
    fields = line.split("\t")
    if len(fields) < 5:
        return None
    try:
        start, end = int(fields[0]), int(fields[1])
    except ValueError:
        return None
    return start, end, fields[2], "\t".join(fields[3:-1]), fields[-1]


def last_durations(top):
    """{output: seconds} of the last entry of each output in the log in `top`;
    {} before the first build.  Raises UserError for a foreign log."""
    path = log_path(top)
    try:
        _, entries, _ = read_log(path)
    except UserError:
        if not os.path.isfile(path) or os.path.getsize(path) == 0 or _has_header(path):
            return {}  # no build yet, or no step finished yet
        raise
    return {output: (end - start) / 1000 for start, end, output, _ in entries}


def _has_header(path):
    """Whether the file starts with a header of a version this reads."""
    try:
        with open(path, "rb") as f:
            _version(f.readline().decode("utf-8", "replace").strip(), path)
    except (OSError, UserError):
        return False
    return True


# --- Writing the log -----------------------------------------------------------

def restat(top, manifest, also):
    """After configure ran by hand, record the new mtimes in ninja's log.

    Otherwise ninja believes the regeneration edge is out of date and runs
    configure once more on the next build (docs/graph.rst, regeneration-edge).
    `ninja -t restat` records `manifest`'s fresh mtime; `also` (the sources
    list) is rewritten only when it changed (the Sphinx edges depend on it),
    so its entry gets the manifest's entry, appended: both outputs are as new
    as this run.  A log this module cannot read is left alone.
    """
    call(["-t", "restat", manifest], cwd=top, quiet=True)
    path = log_path(top)
    try:
        _, lines, _ = _read(path)
    except UserError:
        return
    last = next((line for line in reversed(lines) if line[3] == manifest), None)
    if last is not None:
        start, end, mtime, _, cmdhash = last
        with open(path, "a", encoding="utf-8", errors="surrogateescape") as f:
            f.write(f"{start}\t{end}\t{mtime}\t{also}\t{cmdhash}\n")
