"""The reports of docbuild.timing on a Build: the text summary, a Chrome trace
and a self-contained HTML timeline (docbuild/timing.py reads the log and finds
the critical path; this module only lays them out)."""

from html import escape

from docbuild.ninja_tool import printable


def seconds(ms):
    value = ms / 1000
    return f"{value:.3f} s" if value < 10 else f"{value:.2f} s" if value < 100 else f"{value:.1f} s"


def slowest(steps, top):
    return sorted(steps, key=lambda s: (-s.duration, s.start, s.index))[:top]


def _slowest_rows(shown, wall, origin):
    """(step, time, % of the wall time, start) of each of the slowest steps, as text."""
    for s in shown:
        share = f"{100 * s.duration / wall:.0f}%" if wall else "-"
        yield s, seconds(s.duration), share, seconds(s.start - origin)


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
        for s, time, share, start in _slowest_rows(shown, wall, origin):
            mark = "  *" if s.index in on_path else ""
            out.append(f"  {time:>9}  {share:>6}  {start:>9}  {s.name}{mark}")
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
                 "args": {"outputs": [printable(o) for o in s.outputs],
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
    steps, wall = build.steps, build.wall
    origin = min(s.start for s in steps)
    on_path = {s.index for s in path}
    out = _html_head(build, log)
    out += _html_timeline(steps, on_path, origin, max(wall, 1))
    out += _html_critical_path(path, origin, wall, graph_error)
    out += _html_slowest(steps, top, on_path, origin, wall)
    out.append("</body></html>\n")
    return "\n".join(out)


def _html_head(build, log):
    steps, wall, total = build.steps, build.wall, build.total
    return ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
            f"<title>Last build: {seconds(wall)}, {len(steps)} steps</title>",
            f"<style>{HTML_STYLE}</style></head><body>",
            "<h1>Last build</h1>",
            f'<p class="summary"><span>log <code>{escape(printable(log))}</code> '
            f"(ninja log v{build.version})</span><span>{len(steps)} steps</span>"
            f"<span>wall time <b>{seconds(wall)}</b></span><span>steps {seconds(total)} in all</span>"
            f"<span>parallelism {total / wall if wall else 1:.2f}</span>"
            + ("<span>build.ninja regenerated</span>" if build.regenerated else "") + "</p>",
            '<p class="legend">Hover a bar for its step and times.'
            '<span class="bar"></span>step<span class="bar critical"></span>critical path</p>']


def _html_timeline(steps, on_path, origin, span):
    """One row per lane, a bar per step, positioned in % of the wall time `span`."""
    lane_of = lanes(steps)
    rows = {}
    for s in steps:
        rows.setdefault(lane_of[s.index], []).append(s)

    def pct(ms):
        return f"{100 * ms / span:.4f}%"

    def tip(s):
        text = f"{s.name}\n{seconds(s.duration)} (start {seconds(s.start - origin)}, end {seconds(s.end - origin)})"
        if len(s.outputs) > 1:
            text += "\noutputs: " + ", ".join(printable(o) for o in s.outputs)
        if s.index in on_path:
            text += "\non the critical path"
        return escape(text)

    out = ['<div class="timeline">']
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
    return out


def _html_critical_path(path, origin, wall, graph_error):
    out = ["<h2>Critical path</h2>"]
    if graph_error:
        out.append(f"<p>Unavailable: {escape(graph_error)}</p>")
        return out
    length = sum(s.duration for s in path)
    out.append(f"<p>{len(path)} step(s), {seconds(length)}"
               + (f" ({100 * length / wall:.0f}% of the wall time)" if wall else "") + "</p>")
    out.append('<table><tr><th class="num">time</th><th class="num">start</th><th>step</th></tr>')
    for s in path:
        out.append(f'<tr class="critical"><td class="num">{seconds(s.duration)}</td>'
                   f'<td class="num">{seconds(s.start - origin)}</td><td>{escape(s.name)}</td></tr>')
    out.append(f'<tr><td class="num"><b>{seconds(length)}</b></td><td></td><td>total</td></tr></table>')
    return out


def _html_slowest(steps, top, on_path, origin, wall):
    shown = slowest(steps, top)
    if not shown:
        return []
    out = [f"<h2>Slowest steps ({len(shown)} of {len(steps)})</h2>",
           '<table><tr><th class="num">time</th><th class="num">% wall</th>'
           '<th class="num">start</th><th>step</th></tr>']
    for s, time, share, start in _slowest_rows(shown, wall, origin):
        out.append(f'<tr{" class=critical" if s.index in on_path else ""}>'
                   f'<td class="num">{time}</td><td class="num">{share}</td>'
                   f'<td class="num">{start}</td><td>{escape(s.name)}</td></tr>')
    out.append("</table>")
    return out
