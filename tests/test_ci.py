"""CI mode: warnings fail every time until fixed; reports for people and CI systems."""

import json
import os
import sys
import xml.etree.ElementTree as ET

from conftest import run


def ci(project, *targets, env=None):
    return run([sys.executable, "-m", "docbuild", "ci", *targets], cwd=project.work, env=env)


def add_warning(project):
    project.edit("intro.rst", "\nSee :doc:`missing-page`.\n")


def test_a_warning_fails_ci_every_time_until_fixed(project):
    project.configure("--ci")
    add_warning(project)
    first = ci(project, "html", "text")
    assert first.returncode != 0
    assert "intro.rst" in first.stdout and "missing-page" in first.stdout
    second = ci(project, "html", "text")  # nothing changed: still failing
    assert second.returncode != 0 and "missing-page" in second.stdout
    with open(os.path.join(project.src, "intro.rst"), encoding="utf-8") as f:
        fixed = f.read().replace("\nSee :doc:`missing-page`.\n", "")
    with open(os.path.join(project.src, "intro.rst"), "w", encoding="utf-8") as f:
        f.write(fixed)
    third = ci(project, "html", "text")
    assert third.returncode == 0, third.stdout + third.stderr
    assert "0 warning(s)" in third.stdout


def test_warnings_of_pages_not_rebuilt_are_still_reported(project):
    project.configure()  # not CI mode: warnings do not fail the build
    add_warning(project)
    project.ninja("html")
    project.edit("guide/usage.rst", "\nAnother paragraph.\n")  # another page changes
    project.ninja("html")
    result = run([sys.executable, "-m", "docbuild", "report"], cwd=project.work)
    assert result.returncode == 0
    assert "missing-page" in result.stdout  # intro.rst was not re-read this time
    gate = run([sys.executable, "-m", "docbuild", "report", "--ci"], cwd=project.work)
    assert gate.returncode == 1


def test_every_format_is_attempted_when_one_fails(project):
    project.configure("--ci")
    add_warning(project)
    result = ci(project, "html", "text", "xml")
    assert result.returncode != 0
    report = json.load(open(project.path("build", "report.json")))
    names = {s["name"]: s["status"] for s in report["steps"]}
    # html fails on its warning; the shared read fails too; ninja -k 0 still
    # tried every edge whose inputs could be built.
    assert names["html"] == "failed" and names["read"] == "failed"


def test_report_json_and_junit_contents(project):
    project.configure()
    add_warning(project)
    project.ninja("html")
    run([sys.executable, "-m", "docbuild", "report"], cwd=project.work)
    report = json.load(open(project.path("build", "report.json")))
    html = next(s for s in report["steps"] if s["name"] == "html")
    assert html["status"] == "ok" and html["duration"] is not None and html["duration"] >= 0
    (warning,) = html["warnings"]
    assert warning["file"].endswith("intro.rst") and warning["line"] == 10
    assert warning["level"] == "WARNING" and "missing-page" in warning["message"]
    assert warning["category"].startswith("ref")
    suite = ET.parse(project.path("build", "junit.xml")).getroot()
    case = next(c for c in suite.iter("testcase") if c.get("name") == "html")
    (failure,) = case.findall("failure")
    assert "missing-page" in failure.get("message") and "intro.rst:10" in failure.text


def test_github_actions_annotations(project):
    project.configure()
    add_warning(project)
    project.ninja("html")
    result = run([sys.executable, "-m", "docbuild", "report"], cwd=project.work,
                 env={"GITHUB_ACTIONS": "true"})
    line = next(l for l in result.stdout.splitlines() if l.startswith("::warning"))
    assert line.startswith("::warning file=proj/intro.rst,line=10::")
    assert "missing-page" in line


def test_matrix_lists_the_independent_targets(project):
    with open(os.path.join(project.src, "docbuild.yaml"), "w") as f:
        f.write("formats: [html, epub, latex, latexpdf, man]\n")
    result = project.configure("--matrix")
    # latex is built by the latexpdf job
    assert json.loads(result.stdout) == {"target": ["html", "epub", "latexpdf", "man"]}
    assert not os.path.exists(project.path("build.ninja"))
