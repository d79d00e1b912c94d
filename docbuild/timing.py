"""Where the time of the last build went, from ninja's own .ninja_log.

    python -m docbuild.timing [--log .ninja_log] [--ninja-file build.ninja]
                              [--top N] [--trace FILE.json] [--html FILE.html]
                              [--exclude OUTPUT]...

Prints the slowest steps of the last build, its critical path (the chain of
steps, following real dependencies, whose durations add up most), its wall
time and the sum of its step times.  --trace writes a Chrome trace (open it
in Perfetto or chrome://tracing), --html a self-contained timeline page.

How the log is read (its lines are parsed by docbuild/ninja_tool.py):
  * ninja appends a line per output when an edge *finishes*, with times in ms
    since that ninja started, so within one invocation end_ms never goes
    down while start_ms does (a long step started first is written after a
    short one started later).  A new invocation therefore starts where end_ms
    drops, or where an output comes again (an edge runs at most once per
    invocation).  The last such run is "the last build".
  * When ninja regenerates build.ninja and reloads it, its clock starts again
    at 0: a run that ends with the build.ninja step is joined to the run after
    it (shifted to start where it ended), and every later step waited for it.
  * The outputs of one edge (same start, end and command hash) are one step.
Dependencies come from ninja itself: `ninja -t query` (explicit, implicit and
order-only inputs) and `ninja -t deps` (depfile dependencies), walking through
phony targets and through edges that did not run.  Every tool is run with -n:
without it `ninja -t query` may recompact .ninja_log, reordering the entries
this module reads.  mtime is never interpreted.

Python: main(argv, prog) returns the exit status (1 with a one-line error for
a missing, unknown or empty log).
"""

import os
import sys

from docbuild.errors import UserError, entry_point
from docbuild.ninja_tool import LOG, ninja_binary, read_log  # noqa: F401 (read_log: tests use timing's)

ARGS_LIMIT = 100_000  # bytes of paths per ninja invocation


class Step:
    """One edge that ran: its outputs and its times in ms."""

    __slots__ = ("outputs", "start", "end", "cmdhash", "index", "label")

    def __init__(self, outputs, start, end, cmdhash, index=0):
        self.outputs, self.start, self.end, self.cmdhash, self.index = outputs, start, end, cmdhash, index
        self.label = None  # ninja's description of the edge, when build.ninja has it

    @property
    def duration(self):
        return max(0, self.end - self.start)

    @property
    def name(self):
        if self.label:
            return _printable(self.label)
        first = _printable(self.outputs[0])
        more = len(self.outputs) - 1
        return f"{first} (+{more} more)" if more else first

    def __repr__(self):
        return f"Step({self.outputs!r}, {self.start}, {self.end})"


class Build:
    """The last build found in a log."""

    def __init__(self, steps, version, builds, regenerated, skipped):
        self.steps = steps              # [Step], by start
        self.version = version          # 5, 6 or 7
        self.builds = builds            # how many invocations the log holds
        self.regenerated = regenerated  # the build.ninja (regeneration) step ran
        self.skipped = skipped          # malformed lines ignored

    @property
    def wall(self):
        return max(s.end for s in self.steps) - min(s.start for s in self.steps)

    @property
    def total(self):
        return sum(s.duration for s in self.steps)


def _printable(path):
    """A path with undecodable bytes shown as U+FFFD (for output only)."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


# --- Reading the log ---------------------------------------------------------

def split_builds(entries, exclude=(), manifest="build.ninja"):
    """The invocations in a log: [[entry...]...] and how each after the first began
    ("drop": the clock went back, "repeat": an output came again)."""
    runs, reasons = [], []
    current, seen, last_end, manifest_edge = [], set(), None, None
    for entry in entries:
        start, end, output, cmdhash = entry
        if output in exclude:
            continue
        # Nothing runs beside the manifest's edge in one invocation (ninja
        # rebuilds and reloads it first): an entry logged after it that
        # started before it ended is on a restarted clock, even when both
        # ended in the same millisecond.
        after_manifest = manifest_edge is not None and (start, end, cmdhash) != manifest_edge \
            and start < manifest_edge[1]
        if current and (end < last_end or after_manifest or output in seen):
            runs.append(current)
            reasons.append("drop" if end < last_end or after_manifest else "repeat")
            current, seen, manifest_edge = [], set(), None
        current.append(entry)
        seen.add(output)
        last_end = end
        if output == manifest:
            manifest_edge = (start, end, cmdhash)
    if current:
        runs.append(current)
    return runs, reasons


def _last_edge_outputs(run):
    start, end, _, cmdhash = run[-1]
    outputs = []
    for entry in reversed(run):
        if (entry[0], entry[1], entry[3]) != (start, end, cmdhash):
            break
        outputs.append(entry[2])
    return outputs


def last_build(entries, manifest="build.ninja", exclude=()):
    """(entries of the last build with times on one clock, invocations in the log,
    whether build.ninja was regenerated in the last build)."""
    runs, reasons = split_builds(entries, exclude, manifest)
    if not runs:
        return [], 0, False
    # ninja restarts its clock after reloading a regenerated manifest: a run
    # ending with the manifest step, followed by a drop, began the next run's
    # invocation (unless they share an output: no edge runs twice in one).
    joined = [reasons[j] == "drop" and manifest in _last_edge_outputs(runs[j])
              and not {e[2] for e in runs[j]} & {e[2] for e in runs[j + 1]}
              for j in range(len(runs) - 1)]
    first = len(runs) - 1
    while first > 0 and joined[first - 1]:
        first -= 1
    build, shift = [], 0
    for run in runs[first:]:
        build += [(s + shift, e + shift, o, h) for s, e, o, h in run]
        shift = build[-1][1]
    regenerated = any(e[2] == manifest for e in build)
    return build, len(runs) - sum(joined), regenerated


def group_steps(entries):
    """Steps from log entries: the outputs of one edge (same start, end, hash)
    are one step; a later entry for an output replaces an earlier one."""
    latest = {}
    for entry in entries:
        latest.pop(entry[2], None)  # keep the order of the latest entry
        latest[entry[2]] = entry
    steps = {}
    for start, end, output, cmdhash in latest.values():
        key = (start, end, cmdhash)
        if key in steps:
            steps[key].outputs.append(output)
        else:
            steps[key] = Step([output], start, end, cmdhash)
    ordered = sorted(steps.values(), key=lambda s: (s.start, s.end))
    for index, step in enumerate(ordered):
        step.index = index
    return ordered


def load(log, manifest="build.ninja", exclude=()):
    """The last Build in the log at `log`.  Raises UserError."""
    version, entries, skipped = read_log(log)
    entries, builds, regenerated = last_build(entries, manifest, exclude)
    if not entries:
        raise UserError("no entries left once --exclude is applied", where=log)
    return Build(group_steps(entries), version, builds, regenerated, skipped)


# --- Dependencies, from ninja -------------------------------------------------

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
    import subprocess

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
        raise NoGraph(f"`ninja -t {tool}` failed: {_printable(message[-1]) if message else result.returncode}")
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


def step_dependencies(steps, inputs_of, manifest=None):
    """{step index: set of indexes of the steps it waited for}: through phony
    targets and steps that did not run, up to the nearest steps that ran; only
    those that ended before it started (a depfile dependency learnt in this
    build did not hold it back).  After the manifest step, every step waited
    for it (ninja reloads build.ninja before it starts anything else)."""
    step_of = {o: s.index for s in steps for o in s.outputs}
    memo = {}

    def upstream(root):  # steps reachable from root's inputs, iteratively
        if root in memo:
            return memo[root]
        memo[root] = set()  # a placeholder breaks (impossible) cycles
        stack = [(root, iter(inputs_of.get(root, ())), set())]
        while stack:
            node, inputs, found = stack[-1]
            for path in inputs:
                if path in step_of:
                    found.add(step_of[path])
                elif path in memo:
                    found |= memo[path]
                elif path in inputs_of:
                    memo[path] = set()
                    stack.append((path, iter(inputs_of[path]), set()))
                    break
            else:
                stack.pop()
                memo[node] = found
                if stack:
                    stack[-1][2].update(found)
        return memo[root]

    result = {}
    for step in steps:
        found = set()
        for output in step.outputs:
            found |= upstream(output)
        result[step.index] = {i for i in found if i != step.index and steps[i].end <= step.start}
    if manifest:
        for regen in (s for s in steps if manifest in s.outputs):
            for step in steps:
                if step is not regen and step.start >= regen.end:
                    result[step.index].add(regen.index)
    return result


def critical_path(steps, deps):
    """The chain of dependent steps with the largest total duration, first step first."""
    if not steps:
        return []
    order = sorted(steps, key=lambda s: (s.end, s.start, s.index))
    position = {s.index: n for n, s in enumerate(order)}
    best, before = {}, {}
    for step in order:
        earlier = [i for i in deps.get(step.index, ()) if position[i] < position[step.index]]
        prior = max(earlier, key=lambda i: (best[i], steps[i].end), default=None)
        best[step.index] = step.duration + (best[prior] if prior is not None else 0)
        before[step.index] = prior
    last = max(order, key=lambda s: (best[s.index], s.end)).index
    path = []
    while last is not None:
        path.append(steps[last])
        last = before[last]
    return path[::-1]


def lanes(steps):
    """A lane (0, 1, ...) per step such that the steps of a lane never overlap."""
    ends, lane_of = [], {}
    for step in sorted(steps, key=lambda s: (s.start, s.end, s.index)):
        for lane, end in enumerate(ends):
            if end <= step.start:
                break
        else:
            lane = len(ends)
            ends.append(0)
        ends[lane] = step.end
        lane_of[step.index] = lane
    return lane_of


# --- Output ----------------------------------------------------------------------

def seconds(ms):
    value = ms / 1000
    return f"{value:.3f} s" if value < 10 else f"{value:.2f} s" if value < 100 else f"{value:.1f} s"


def slowest(steps, top):
    return sorted(steps, key=lambda s: (-s.duration, s.start, s.index))[:top]


def text_report(build, top, path, graph_error=None, log="", origin=0):
    steps, wall, total = build.steps, build.wall, build.total
    out = [f"Last build in {log} (ninja log v{build.version}; {build.builds} build(s) in the log): "
           f"{len(steps)} step(s)" + (", build.ninja regenerated" if build.regenerated else ""),
           f"  wall time {seconds(wall)}, steps {seconds(total)} in all, "
           f"parallelism {total / wall if wall else 1:.2f}"]
    if build.skipped:
        out.append(f"  ({build.skipped} malformed line(s) in the log ignored)")
    on_path = {s.index for s in path}
    if top:
        shown = slowest(steps, top)
        out += ["", f"Slowest steps ({len(shown)} of {len(steps)}):",
                f"  {'time':>9}  {'% wall':>6}  {'start':>9}  step"]
        for s in shown:
            share = f"{100 * s.duration / wall:.0f}%" if wall else "-"
            mark = "  *" if s.index in on_path else ""
            out.append(f"  {seconds(s.duration):>9}  {share:>6}  {seconds(s.start - origin):>9}  {s.name}{mark}")
        if on_path & {s.index for s in shown}:
            out.append("  (* on the critical path)")
    out.append("")
    if graph_error:
        out.append(f"Critical path: unavailable: {graph_error}")
    else:
        length = sum(s.duration for s in path)
        share = f" ({100 * length / wall:.0f}% of the wall time)" if wall else ""
        out.append(f"Critical path: {len(path)} step(s), {seconds(length)}{share}:")
        for s in path:
            out.append(f"  {seconds(s.duration):>9}  {s.name}")
        out.append(f"  {seconds(length):>9}  total")
        if wall and length < 0.9 * wall:
            out.append("  (the rest of the wall time went to waiting: a pool or -j limit, "
                       "or ninja between steps)")
    return "\n".join(out)


def chrome_trace(build, path):
    """A Chrome trace: one complete ("X") event per step, ts and dur in us,
    tid = lane (lanes never overlap)."""
    on_path = {s.index for s in path}
    lane_of = lanes(build.steps)
    origin = min(s.start for s in build.steps)
    events = [{"name": "process_name", "ph": "M", "pid": 1, "tid": 0,
               "args": {"name": "ninja: last build"}}]
    for lane in range(max(lane_of.values()) + 1):
        events.append({"name": "thread_name", "ph": "M", "pid": 1, "tid": lane + 1,
                       "args": {"name": f"lane {lane + 1}"}})
        events.append({"name": "thread_sort_index", "ph": "M", "pid": 1, "tid": lane + 1,
                       "args": {"sort_index": lane + 1}})
    for s in build.steps:
        event = {"name": s.name, "cat": "critical-path" if s.index in on_path else "step",
                 "ph": "X", "pid": 1, "tid": lane_of[s.index] + 1,
                 "ts": (s.start - origin) * 1000, "dur": s.duration * 1000,
                 "args": {"outputs": [_printable(o) for o in s.outputs],
                          "critical_path": s.index in on_path}}
        if s.index in on_path:
            event["cname"] = "terrible"  # red in chrome://tracing
        events.append(event)
    return {"traceEvents": events, "displayTimeUnit": "ms"}


HTML_STYLE = """
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
.summary span{margin-right:1.5em}
.timeline{border:1px solid #ccc;padding:4px 8px 6px 0;overflow-x:auto}
.row{display:flex;align-items:center;height:22px}
.label{width:4.5em;flex:none;text-align:right;padding-right:8px;color:#777;font-size:12px}
.track{position:relative;flex:1;height:20px;min-width:600px;border-bottom:1px solid #f0f0f0}
.bar{position:absolute;top:1px;height:18px;min-width:2px;box-sizing:border-box;overflow:hidden;
 white-space:nowrap;font-size:11px;line-height:16px;padding:0 3px;border-radius:2px;
 background:#8fb3de;border:1px solid #4f7fb8;color:#102a43}
.bar.critical{background:#f0a060;border-color:#b4560f;color:#3b1a00;font-weight:600}
.axis .track{border-bottom:1px solid #999;height:18px}
.tick{position:absolute;bottom:0;font-size:11px;color:#555;border-left:1px solid #999;padding-left:2px;height:12px}
table{border-collapse:collapse;margin-top:.4em}
td,th{padding:2px 10px;border-bottom:1px solid #eee;text-align:left}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr.critical td{background:#fde7d5}
.legend .bar{position:static;display:inline-block;width:2.5em;height:12px;vertical-align:middle;margin:0 .3em 0 1em}
code{font-size:.95em}
"""


def _ticks(wall):
    """A round tick step in ms giving at most 10 ticks."""
    step = 1
    while wall / step > 10:
        for factor in (2, 2.5, 2):
            step *= factor
            if wall / step <= 10:
                break
    return int(step)


def html_report(build, path, top, log="", graph_error=None):
    from html import escape

    steps, wall, total = build.steps, build.wall, build.total
    origin = min(s.start for s in steps)
    span = max(wall, 1)
    on_path = {s.index for s in path}
    lane_of = lanes(steps)
    rows = {}
    for s in steps:
        rows.setdefault(lane_of[s.index], []).append(s)

    def pct(ms):
        return f"{100 * ms / span:.4f}%"

    def tip(s):
        text = f"{s.name}\n{seconds(s.duration)} (start {seconds(s.start - origin)}, end {seconds(s.end - origin)})"
        if len(s.outputs) > 1:
            text += "\noutputs: " + ", ".join(_printable(o) for o in s.outputs)
        if s.index in on_path:
            text += "\non the critical path"
        return escape(text)

    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>Last build: {seconds(wall)}, {len(steps)} steps</title>",
           f"<style>{HTML_STYLE}</style></head><body>",
           "<h1>Last build</h1>",
           f'<p class="summary"><span>log <code>{escape(_printable(log))}</code> '
           f"(ninja log v{build.version})</span><span>{len(steps)} steps</span>"
           f"<span>wall time <b>{seconds(wall)}</b></span><span>steps {seconds(total)} in all</span>"
           f"<span>parallelism {total / wall if wall else 1:.2f}</span>"
           + ("<span>build.ninja regenerated</span>" if build.regenerated else "") + "</p>",
           '<p class="legend">Hover a bar for its step and times.'
           '<span class="bar"></span>step<span class="bar critical"></span>critical path</p>',
           '<div class="timeline">']
    step = _ticks(span)
    ticks = "".join(f'<span class="tick" style="left:{pct(t)}">{t / 1000:g} s</span>'
                    for t in range(0, span + 1, step) if t <= span - step / 3 or t == 0)
    out.append(f'<div class="row axis"><div class="label">lane</div><div class="track">{ticks}</div></div>')
    for lane in sorted(rows):
        bars = "".join(
            f'<div class="bar{" critical" if s.index in on_path else ""}" '
            f'style="left:{pct(s.start - origin)};width:{pct(s.duration)}" title="{tip(s)}">'
            f"{escape(s.name)}</div>" for s in rows[lane])
        out.append(f'<div class="row"><div class="label">{lane + 1}</div><div class="track">{bars}</div></div>')
    out.append("</div>")

    out.append("<h2>Critical path</h2>")
    if graph_error:
        out.append(f"<p>Unavailable: {escape(graph_error)}</p>")
    else:
        length = sum(s.duration for s in path)
        out.append(f"<p>{len(path)} step(s), {seconds(length)}"
                   + (f" ({100 * length / wall:.0f}% of the wall time)" if wall else "") + "</p>")
        out.append('<table><tr><th class="num">time</th><th class="num">start</th><th>step</th></tr>')
        for s in path:
            out.append(f'<tr class="critical"><td class="num">{seconds(s.duration)}</td>'
                       f'<td class="num">{seconds(s.start - origin)}</td><td>{escape(s.name)}</td></tr>')
        out.append(f'<tr><td class="num"><b>{seconds(length)}</b></td><td></td><td>total</td></tr></table>')

    shown = slowest(steps, top)
    if shown:
        out.append(f"<h2>Slowest steps ({len(shown)} of {len(steps)})</h2>")
        out.append('<table><tr><th class="num">time</th><th class="num">% wall</th>'
                   '<th class="num">start</th><th>step</th></tr>')
        for s in shown:
            share = f"{100 * s.duration / wall:.0f}%" if wall else "-"
            out.append(f'<tr{" class=critical" if s.index in on_path else ""}>'
                       f'<td class="num">{seconds(s.duration)}</td><td class="num">{share}</td>'
                       f'<td class="num">{seconds(s.start - origin)}</td><td>{escape(s.name)}</td></tr>')
        out.append("</table>")
    out.append("</body></html>\n")
    return "\n".join(out)


# --- Command line ---------------------------------------------------------------

def _write(path, text):
    try:
        with open(path, "w", encoding="utf-8", errors="replace") as f:
            f.write(text)
    except OSError as exc:
        raise UserError(f"cannot write: {exc.strerror}", where=path)


def name_steps(steps, ninja_file):
    """Label each step as ninja describes its edge (`sphinx html`), not by its
    stamp path; a step whose edge is gone from build.ninja keeps its path."""
    from docbuild.step_names import descriptions

    names = descriptions(ninja_file)
    for step in steps:
        step.label = names.get(step.outputs[0])


@entry_point
def main(argv=None, prog="python -m docbuild.timing"):
    import argparse

    p = argparse.ArgumentParser(
        prog=prog, description="Where the time of the last ninja build went: slowest steps, "
        "critical path, wall time; optionally a Chrome trace and an HTML timeline.")
    p.add_argument("--log", help="the ninja log (default: .ninja_log beside the ninja file)")
    p.add_argument("--ninja-file", help="the build file, for dependencies "
                   "(default: build.ninja beside the log, or here)")
    p.add_argument("--top", type=int, default=10, metavar="N", help="slowest steps to list (default: 10)")
    p.add_argument("--trace", metavar="FILE.json", help="write a Chrome trace (Perfetto, chrome://tracing)")
    p.add_argument("--html", metavar="FILE.html", help="write a self-contained HTML timeline")
    p.add_argument("--exclude", action="append", default=[], metavar="OUTPUT",
                   help="ignore log entries of this output, e.g. the report step itself (repeatable)")
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    if args.top < 0:
        p.error("--top must be 0 or more")
    if args.log is None:
        args.log = os.path.join(os.path.dirname(args.ninja_file or ""), LOG)
    if args.ninja_file is None:
        args.ninja_file = os.path.join(os.path.dirname(args.log), "build.ninja")
    manifest = os.path.normpath(os.path.relpath(os.path.abspath(args.ninja_file),
                                                os.path.dirname(os.path.abspath(args.log))))
    build = load(args.log, manifest, set(args.exclude))
    name_steps(build.steps, args.ninja_file)
    graph_error = None
    try:
        inputs_of = read_graph([o for s in build.steps for o in s.outputs], args.ninja_file)
        path = critical_path(build.steps, step_dependencies(build.steps, inputs_of, manifest))
    except NoGraph as exc:
        graph_error, path = str(exc), []
    origin = min(s.start for s in build.steps)
    print(text_report(build, args.top, path, graph_error, args.log, origin))
    if args.trace:
        import json
        trace = chrome_trace(build, path)
        events = ",\n".join(json.dumps(e) for e in trace["traceEvents"])
        _write(args.trace, f'{{"displayTimeUnit": "ms", "traceEvents": [\n{events}\n]}}\n')
        print(f"\ntrace: {args.trace} (open in https://ui.perfetto.dev or chrome://tracing)")
    if args.html:
        _write(args.html, html_report(build, path, args.top, args.log, graph_error))
        print(("" if args.trace else "\n") + f"timeline: {args.html}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
