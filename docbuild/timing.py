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
this module reads.  mtime is never interpreted.  ninja_tool.read_graph runs
those tools; docbuild/timing_report.py lays out the text, trace and HTML.

Python: main(argv, prog) returns the exit status (1 with a one-line error for
a missing, unknown or empty log).
"""

import os
import sys

from docbuild.errors import UserError, entry_point
from docbuild.ninja_tool import LOG, NoGraph, printable, read_graph, read_log  # noqa: F401 (read_log: tests use timing's)
from docbuild.timing_report import chrome_trace, html_report, text_report


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
            return printable(self.label)
        first = printable(self.outputs[0])
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


# --- Dependencies: from ninja's graph (docbuild/ninja_tool.py read_graph) -----

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
