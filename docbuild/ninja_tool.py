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


def printable(path):
    """A path with undecodable bytes shown as U+FFFD (for output only)."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


# --- The graph, from ninja's tools (-t targets, query, deps) -----------------

ARGS_LIMIT = 100_000  # bytes of paths per ninja invocation


class NoGraph(Exception):
    """Why the dependencies could not be read."""


def _chunks(paths, limit=ARGS_LIMIT):
    chunk, size = [], 0
    for path in paths:
        if chunk and size + len(path) + 1 > limit:
            yield chunk
            chunk, size = [], 0
        chunk.append(path)
        size += len(path) + 1
    if chunk:
        yield chunk


def _ninja_tool(ninja, ninja_file, tool, args=()):
    """stdout of `ninja -n -t TOOL ARGS` run in the folder of `ninja_file`.

    -n matters: without it, 1.13's `-t query` and `-t deps` open the logs for
    writing, which may recompact .ninja_log.
    """
    folder, name = os.path.split(os.path.abspath(ninja_file))
    command = [ninja, "-f", name, "-n", "-t", tool, *args]
    try:
        result = subprocess.run(command, cwd=folder, stdin=subprocess.DEVNULL, capture_output=True,
                                encoding="utf-8", errors="surrogateescape", timeout=300)
    except OSError as exc:
        raise NoGraph(f"cannot run {ninja}: {exc.strerror}")
    except subprocess.TimeoutExpired:
        raise NoGraph(f"`ninja -t {tool}` did not finish in 300 s")
    if result.returncode:
        message = (result.stderr.strip() or result.stdout.strip()).splitlines()
        raise NoGraph(f"`ninja -t {tool}` failed: {printable(message[-1]) if message else result.returncode}")
    return result.stdout


def parse_targets(text):
    """{output: rule} from `ninja -t targets all`."""
    rules = {}
    for line in text.splitlines():
        path, sep, rule = line.rpartition(": ")
        if sep:
            rules[path] = rule
    return rules


def parse_query(text):
    """{node: [inputs]} from `ninja -t query`: explicit, implicit (|) and
    order-only (||) inputs; validations are not dependencies."""
    inputs, node, section = {}, None, None
    for line in text.splitlines():
        if not line.startswith(" "):
            if line.endswith(":"):
                node, section = line[:-1], None
                inputs[node] = []
        elif line.startswith("    "):
            if section == "input" and node is not None:
                path = line[4:]
                if path.startswith("|| "):
                    path = path[3:]
                elif path.startswith("| "):
                    path = path[2:]
                inputs[node].append(path)
        else:
            section = "input" if line.strip().startswith("input:") else line.strip()
    return inputs


def parse_deps(text):
    """{node: [deps]} from `ninja -t deps` (the depfile dependencies in .ninja_deps)."""
    deps, node = {}, None
    for line in text.splitlines():
        if line.startswith("    "):
            if node is not None:
                deps[node].append(line[4:])
        elif line:
            at = line.rfind(": #deps ")
            node = line[:at] if at >= 0 else None
            if node is not None:
                deps[node] = []
    return deps


def read_graph(outputs, ninja_file, ninja=None):
    """{node: [direct inputs]} for `outputs` and everything upstream that some
    edge builds (phony targets, and edges that did not run, included).  Source
    files are left out: they have no inputs."""
    if ninja is None:
        ninja = ninja_binary()
    if not os.path.isfile(ninja_file):
        raise NoGraph(f"{ninja_file} not found (pass --ninja-file)")
    rules = parse_targets(_ninja_tool(ninja, ninja_file, "targets", ["all"]))
    inputs_of = {}
    frontier = list(dict.fromkeys(o for o in outputs if o in rules))
    queued = set(frontier)
    while frontier:
        query, deps = {}, {}
        for chunk in _chunks(frontier):
            query.update(parse_query(_ninja_tool(ninja, ninja_file, "query", chunk)))
        real = [n for n in frontier if rules[n] != "phony"]
        for chunk in _chunks(real):
            deps.update(parse_deps(_ninja_tool(ninja, ninja_file, "deps", chunk)))
        following = []
        for node in frontier:
            inputs_of[node] = query.get(node, []) + deps.get(node, [])
            for path in inputs_of[node]:
                if path in rules and path not in queued:
                    queued.add(path)
                    following.append(path)
        frontier = following
    return inputs_of



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
