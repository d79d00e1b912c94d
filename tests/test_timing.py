"""docbuild.timing: .ninja_log v5/v6/v7, the last build, critical path, trace, HTML."""

import hashlib
import json
import os
import subprocess
import sys
import textwrap

import pytest

from conftest import NINJA, ROOT, Project, steps_run
from docbuild import timing, timing_report


def write_log(folder, version, lines):
    path = os.path.join(folder, ".ninja_log")
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"# ninja log v{version}\n")
        for start, end, output, cmdhash in lines:
            f.write(f"{start}\t{end}\t{1700000000 + end}\t{output}\t{cmdhash}\n")
    return path


# Three invocations: a full build, a rebuild of `x` (x repeats), then a
# parallel build (end_ms drops) whose entries come in end order, so start_ms
# drops inside it: d started at 5 but finished first, a started at 0.
MULTI = [
    (0, 100, "x", "h1"), (100, 300, "y", "h2"),
    (0, 150, "x", "h1"),
    (5, 105, "d", "h4"), (0, 200, "a", "h5"), (200, 400, "b", "h6"),
    (400, 600, "c", "h7"), (400, 600, "e", "h7"),
]


@pytest.mark.parametrize("version", [5, 6, 7])
def test_parse_versions_and_last_build(tmp_path, version):
    path = write_log(tmp_path, version, MULTI)
    got_version, entries, skipped = timing.read_log(path)
    assert (got_version, len(entries), skipped) == (version, 8, 0)
    build = timing.load(path)
    assert build.builds == 3 and not build.regenerated
    assert [(s.outputs, s.start, s.end) for s in build.steps] == [
        (["a"], 0, 200), (["d"], 5, 105), (["b"], 200, 400), (["c", "e"], 400, 600)]
    assert (build.wall, build.total) == (600, 700)
    assert build.steps[-1].name == "c (+1 more)"


def test_new_build_on_repeated_output_and_malformed_lines(tmp_path):
    # The second build's first step ends later than the first build's last:
    # no drop, but `x` cannot run twice in one invocation.
    path = write_log(tmp_path, 7, [(0, 10, "x", "h1"), (0, 500, "x", "h1"), (500, 900, "y", "h2")])
    with open(path, "a", encoding="utf-8") as f:
        f.write("12\t3")  # a last line cut short
    build = timing.load(path)
    assert build.builds == 2 and build.skipped == 1
    assert [(s.name, s.start, s.end) for s in build.steps] == [("x", 0, 500), ("y", 500, 900)]


def test_exclude_drops_the_report_step(tmp_path):
    path = write_log(tmp_path, 7, [(0, 100, "x", "h1"), (100, 300, "y", "h2"), (0, 40, "report", "h9")])
    assert [s.name for s in timing.load(path).steps] == ["report"]
    assert [s.name for s in timing.load(path, exclude={"report"}).steps] == ["x", "y"]


def test_regenerated_manifest_is_joined_to_its_build(tmp_path):
    # ninja reloads a regenerated build.ninja and its clock starts again at 0.
    path = write_log(tmp_path, 7, [
        (0, 900, "old", "h0"),
        (0, 300, "build.ninja", "hr"), (0, 300, "build/sources.list", "hr"),
        (2, 100, "d", "h4"), (0, 200, "a", "h5"),
    ])
    build = timing.load(path)
    assert build.regenerated and build.builds == 2
    assert [(s.name, s.start, s.end) for s in build.steps] == [
        ("build.ninja (+1 more)", 0, 300), ("a", 300, 500), ("d", 302, 400)]
    deps = timing.step_dependencies(build.steps, {}, manifest="build.ninja")
    path_ = timing.critical_path(build.steps, deps)
    assert [s.outputs[0] for s in path_] == ["build.ninja", "a"]


def test_critical_path_and_lanes_by_hand():
    steps = [timing.Step(["a"], 0, 200, "1", 0), timing.Step(["d"], 0, 350, "2", 1),
             timing.Step(["b"], 200, 400, "3", 2), timing.Step(["c"], 400, 500, "4", 3)]
    # c <- phony p <- (b, d); b <- a.  d is longer than a alone, a+b is longer.
    inputs = {"c": ["p"], "p": ["b", "d"], "b": ["a"]}
    deps = timing.step_dependencies(steps, inputs)
    assert deps == {0: set(), 1: set(), 2: {0}, 3: {1, 2}}
    assert [s.name for s in timing.critical_path(steps, deps)] == ["a", "b", "c"]
    lane = timing_report.lanes(steps)
    assert lane[0] == lane[2] == lane[3] != lane[1]


@pytest.mark.parametrize("content, message", [
    (None, "no such file"),
    ("# ninja log v4\n1\t2\t3\ta\tff\n", "unsupported ninja log version 'v4'"),
    ("# ninja log v8\n1\t2\t3\ta\tff\n", "unsupported ninja log version 'v8'"),
    ("# ninja log v7\n", "no entries"),
    ("", "no entries"),
    ("hello\n", "not a ninja log"),
])
def test_clear_errors(tmp_path, capsys, content, message):
    log = tmp_path / ".ninja_log"
    if content is not None:
        log.write_text(content)
    assert timing.main(["--log", str(log)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("docbuild: ") and message in err and "Traceback" not in err


def test_cli_error_has_no_traceback(tmp_path):
    result = subprocess.run([sys.executable, "-m", "docbuild.timing"], cwd=tmp_path, capture_output=True,
                            text=True, stdin=subprocess.DEVNULL, timeout=60, env=dict(os.environ, PYTHONPATH=ROOT))
    assert result.returncode == 1
    assert "no such file" in result.stderr and "Traceback" not in result.stderr


def ninja(folder, *args):
    result = subprocess.run([NINJA, *args], cwd=folder, capture_output=True, text=True,
                            stdin=subprocess.DEVNULL, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


BUILD = """\
rule s
  command = touch $out
build a: s
build b: s a
build bb: phony b
build d: s
build p: phony d
build c e: s | bb || p
build all: phony c
default all
"""
# The times the log is given after the real build (start, end in ms): the
# report is checked against known durations, not against how long the
# machine took (which no test can know).
TIMES = {"a": (0, 200), "b": (200, 400), "d": (0, 100), "c": (400, 600), "e": (400, 600)}


def lanes_never_overlap(events):
    by_lane = {}
    for e in events:
        if e["ph"] == "X":
            by_lane.setdefault(e["tid"], []).append((e["ts"], e["ts"] + e["dur"]))
    for spans in by_lane.values():
        spans.sort()
        assert all(end <= start for (_, end), (start, _) in zip(spans, spans[1:])), spans
    return by_lane


def test_real_build(tmp_path, capsys):
    (tmp_path / "build.ninja").write_text(BUILD)
    ninja(tmp_path)
    log = tmp_path / ".ninja_log"
    # Enough repeated entries that ninja would recompact the log if any tool
    # we run opened it for writing: reading must leave it as it is.
    with open(log, encoding="utf-8") as f:
        header, *lines = f.readlines()
    timed = []
    for line in lines:
        parts = line.split("\t")
        parts[0], parts[1] = map(str, TIMES[parts[3]])
        timed.append("\t".join(parts))
    assert len(timed) == 5
    timed.sort(key=lambda line: int(line.split("\t")[1]))  # ninja logs steps as they end
    log.write_text(header + "".join(timed) * 40)
    before = hashlib.sha256(log.read_bytes()).hexdigest()

    trace, page = tmp_path / "t.json", tmp_path / "t.html"
    code = timing.main(["--ninja-file", str(tmp_path / "build.ninja"),
                        "--trace", str(trace), "--html", str(page)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert hashlib.sha256(log.read_bytes()).hexdigest() == before

    critical = out.split("Critical path:")[1].splitlines()[1:4]
    assert [line.split()[-1] for line in critical[:2]] == ["a", "b"]
    assert critical[2].endswith("c (+1 more)")

    build = timing.load(str(log))
    assert build.builds == 40 and len(build.steps) == 4
    graph = timing.read_graph([o for s in build.steps for o in s.outputs], str(tmp_path / "build.ninja"))
    deps = timing.step_dependencies(build.steps, graph)
    path = timing.critical_path(build.steps, deps)
    assert [s.outputs for s in path] == [["a"], ["b"], ["c", "e"]]
    assert sum(s.duration for s in path) == 600 and (build.wall, build.total) == (600, 700)
    by_name = {s.outputs[0]: s.index for s in build.steps}
    assert deps[by_name["c"]] == {by_name["b"], by_name["d"]}  # through phony bb and || p
    assert "wall time 0.600 s, steps 0.700 s in all, parallelism 1.17" in out

    data = json.loads(trace.read_text())
    steps = [e for e in data["traceEvents"] if e["ph"] == "X"]
    assert sorted(e["name"] for e in steps) == ["a", "b", "c (+1 more)", "d"]
    assert {e["name"]: (e["ts"], e["dur"]) for e in steps} == {
        "a": (0, 200_000), "b": (200_000, 200_000), "d": (0, 100_000), "c (+1 more)": (400_000, 200_000)}
    assert len(lanes_never_overlap(steps)) == 2
    assert {e["name"] for e in steps if e["args"]["critical_path"]} == {"a", "b", "c (+1 more)"}

    html = page.read_text()
    assert html.startswith("<!DOCTYPE html>") and "<script" not in html and "http" not in html
    for name in ("a", "b", "d", "c (+1 more)"):
        assert f">{name}</div>" in html
    assert html.count("<div class=\"bar critical\"") == 3


def test_depfile_dependency_counts(tmp_path):
    # `out` learns from its depfile that it reads `gen`; on the next build
    # ninja waits for gen, although build.ninja does not say so.
    (tmp_path / "build.ninja").write_text(textwrap.dedent("""\
        rule s
          command = sleep 0.2 && touch $out
        rule dep
          command = sleep 0.1 && printf '%s: gen\\n' $out > $out.d && touch $out
          depfile = $out.d
          deps = gcc
        build gen: s
        build out: dep
        """))
    ninja(tmp_path)
    (tmp_path / "gen").unlink()
    ninja(tmp_path)
    build = timing.load(str(tmp_path / ".ninja_log"))
    graph = timing.read_graph(["gen", "out"], str(tmp_path / "build.ninja"))
    assert graph["out"] == ["gen"]
    path = timing.critical_path(build.steps, timing.step_dependencies(build.steps, graph))
    assert [s.name for s in path] == ["gen", "out"]


def test_regeneration_with_real_ninja(tmp_path, capsys):
    # A generator edge that rewrites build.ninja: ninja reloads it and its
    # clock restarts; the report joins both parts into one build.
    (tmp_path / "gen.sh").write_text(textwrap.dedent("""\
        sleep 0.1
        cat > build.ninja <<'EOF'
        rule regen
          command = sh gen.sh
          generator = 1
        build build.ninja: regen gen.sh
        rule s
          command = sleep 0.1 && touch $out
        build x: s
        EOF
        """))
    (tmp_path / "build.ninja").write_text("rule regen\n  command = sh gen.sh\n  generator = 1\n"
                                          "build build.ninja: regen gen.sh\n")
    os.utime(tmp_path / "build.ninja", (0, 0))
    ninja(tmp_path)
    assert timing.main(["--log", str(tmp_path / ".ninja_log")]) == 0
    out = capsys.readouterr().out
    assert "build.ninja regenerated" in out
    critical = out.split("Critical path: 2 step(s)")[1].splitlines()
    assert [line.split()[-1] for line in critical[1:3]] == ["build.ninja", "x"]


def test_restart_after_regeneration_with_equal_end_times():
    # ninja reloaded build.ninja and its clock restarted: x ran 1-106 ms on the
    # new clock, ending in the same millisecond as the manifest's edge.  This
    # was read as one clock (x beside build.ninja) about one run in three.
    entries = [(0, 106, "build.ninja", "h1"), (1, 106, "x", "h2")]
    build, invocations, regenerated = timing.last_build(entries)
    assert regenerated and invocations == 1
    assert [(s, e, o) for s, e, o, _ in build] == [(0, 106, "build.ninja"), (107, 212, "x")]


def test_report_durations_read_the_log_as_timing_does(tmp_path):
    # An output holding a tab is every field between mtime and the hash
    # (report used to drop such a line); a cut-short line is skipped by both.
    from docbuild.ninja_tool import last_durations

    path = write_log(tmp_path, 7, [(0, 1500, "a\tb", "h1"), (0, 250, "c", "h2")])
    with open(path, "a", encoding="utf-8") as f:
        f.write("0\t900\t1\tc\n")  # no hash: cut short
    assert [e[2] for e in timing.read_log(path)[1]] == ["a\tb", "c"]
    assert last_durations(str(tmp_path)) == {"a\tb": 1.5, "c": 0.25}
    os.unlink(path)
    assert last_durations(str(tmp_path)) == {}  # no build yet


def test_the_report_and_timeline_name_steps_as_ninja_prints_them(tmp_path, capsys):
    project = Project(tmp_path / "work", files={
        "conf.py": 'project = "Named"\n',
        "index.rst": "Named\n=====\n\n.. include:: /includes/extracts/one.rst\n",
        "includes/extracts-first.yaml": "ref: one\ncontent: One.\n",
    })
    project.configure()
    printed = steps_run(project.ninja("html"))
    page = tmp_path / "t.html"
    assert timing.main(["--ninja-file", project.path("build.ninja"), "--html", str(page)]) == 0
    out = capsys.readouterr().out
    html = page.read_text()
    for name in printed:  # e.g. "sphinx html", "generate proj/includes/extracts-first.yaml"
        assert f"  {name}" in out and f">{name}</div>" in html
    assert "sphinx html" in printed
    assert "stamps/" not in out and "stamps/" not in html
