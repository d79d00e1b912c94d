"""CI mode: warnings fail every time until fixed; reports for people and CI systems."""

import json
import os
import sys
import xml.etree.ElementTree as ET

from conftest import reread, run


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
    assert reread(project.log("html")) == (0, 0, 0)  # remembered, not read again
    with open(os.path.join(project.src, "intro.rst"), encoding="utf-8") as f:
        fixed = f.read().replace("\nSee :doc:`missing-page`.\n", "")
    with open(os.path.join(project.src, "intro.rst"), "w", encoding="utf-8") as f:
        f.write(fixed)
    third = ci(project, "html", "text")
    assert third.returncode == 0, third.stdout + third.stderr
    assert "0 warning(s)" in third.stdout


def without(project, name, text):
    path = os.path.join(project.src, name)
    with open(path, encoding="utf-8") as f:
        fixed = f.read().replace(text, "")
    with open(path, "w", encoding="utf-8") as f:
        f.write(fixed)


def test_a_document_that_warned_is_not_read_again_yet_still_fails(project):
    project.configure("--ci")
    with open(os.path.join(project.src, "orphan.rst"), "w", encoding="utf-8") as f:
        f.write("Orphan\n======\n\nIn no toctree.\n")  # warns in the consistency check
    project.edit("intro.rst", "\n.. unknown-directive:: oops\n")  # warns while read
    add_warning(project)  # warns while written
    assert ci(project, "html").returncode != 0
    for _ in range(2):
        again = ci(project, "html")
        assert again.returncode != 0
        log = project.log("html")
        # Sphinx read and wrote nothing; the three warnings came from memory,
        # once each, counted by Sphinx (so --fail-on-warning failed the step),
        # shown by ninja and reported.
        assert reread(log) == (0, 0, 0) and "writing output... [" not in log
        assert log.count("Unknown directive type") == 1 and log.count("unknown document") == 1
        assert log.count("isn't included in any toctree") == 1
        assert "3 warnings (with warnings treated as errors)" in log
        assert "missing-page" in again.stdout and "Unknown directive type" in again.stdout
        report = json.load(open(project.path("build", "report.json")))
        html = next(s for s in report["steps"] if s["name"] == "html")
        assert html["status"] == "failed" and len(html["warnings"]) == 3
    # Another page changes: intro.rst is still not read, and still fails.
    project.edit("guide/usage.rst", "\nAnother paragraph.\n")
    again = ci(project, "html")
    assert again.returncode != 0 and reread(project.log("html")) == (0, 1, 0)
    assert project.log("html").count("Unknown directive type") == 1
    # Fixing the page clears its warnings; the orphan's stays until it is fixed.
    without(project, "intro.rst", "\n.. unknown-directive:: oops\n")
    without(project, "intro.rst", "\nSee :doc:`missing-page`.\n")
    again = ci(project, "html")
    assert again.returncode != 0 and reread(project.log("html")) == (0, 1, 0)
    assert "Unknown directive type" not in project.log("html")
    assert "missing-page" not in again.stdout and "isn't included" in again.stdout
    os.unlink(os.path.join(project.src, "orphan.rst"))  # a removed document is forgotten
    fixed = ci(project, "html")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "0 warning(s)" in fixed.stdout
    assert "no work to do" in project.ninja("html").stdout


def test_a_reference_fixed_in_another_document_clears_its_warning(project):
    project.configure()  # warnings do not fail: every format is built each time
    project.edit("intro.rst", "\nSee :ref:`later`.\n")  # warns when intro is written
    project.ninja("html", "text")
    gate = run([sys.executable, "-m", "docbuild", "report", "--ci"], cwd=project.work)
    assert gate.returncode == 1 and "undefined label" in gate.stdout
    assert "2 warning(s)" in gate.stdout  # html and text (the read step does not write)
    project.edit("guide/usage.rst", "\n.. _later:\n\nLater on\n--------\n\nText.\n")
    project.ninja("html", "text")
    # The label's page was read; intro was written again (not read), in html
    # and in text, which writes from the shared read: it links to the label now.
    assert reread(project.log("html")) == (0, 1, 0)
    for step in ("html", "text"):
        assert "intro" in "".join(l for l in project.log(step).splitlines()
                                  if l.startswith("writing output"))
        assert "undefined label" not in project.log(step)
    assert "Later on" in open(project.path("build", "text", "intro.txt"), encoding="utf-8").read()
    gate = run([sys.executable, "-m", "docbuild", "report", "--ci"], cwd=project.work)
    assert gate.returncode == 0 and "0 warning(s)" in gate.stdout


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
    # The warning is a reference resolved when writing: the shared read (which
    # only reads) passes, and ninja -k 0 still tries every writer, each of
    # which fails on it.
    assert names["read"] == "ok"
    assert names["html"] == names["text"] == names["xml"] == "failed", names


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
    html_suite = next(s for s in suite.iter("testsuite") if s.get("name") == "html")
    assert (html_suite.get("tests"), html_suite.get("failures")) == ("2", "1")
    step, case = html_suite.findall("testcase")
    assert step.get("name") == "html" and not step.findall("failure")
    # One failed test case per warning: CI systems show one failure per case.
    assert case.get("name") == "proj/intro.rst:10: unknown document: 'missing-page'"
    (failure,) = case.findall("failure")
    assert "missing-page" in failure.get("message") and "intro.rst:10" in failure.text
    project.edit("guide/usage.rst", "\nSee :doc:`other-missing`.\n")
    project.ninja("html")
    run([sys.executable, "-m", "docbuild", "report"], cwd=project.work)
    suite = ET.parse(project.path("build", "junit.xml")).getroot()
    html_suite = next(s for s in suite.iter("testsuite") if s.get("name") == "html")
    cases = html_suite.findall("testcase")
    assert [len(c.findall("failure")) for c in cases] == [0, 1, 1]
    assert sorted(c.get("name").split(":")[0] for c in cases[1:]) == ["proj/guide/usage.rst", "proj/intro.rst"]
    assert suite.get("failures") == "2" and suite.get("tests") == "3"


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
    plan = json.loads(result.stdout)
    assert [j["job"] for j in plan["read"]["include"] + plan["write"]["include"]] == \
        ["read", "html", "epub", "latexpdf", "man"]
    assert not os.path.exists(project.path("build.ninja"))


def test_gate_covers_only_the_steps_the_requested_targets_reach(project):
    # A publish destination below a file cannot be created: publish-site fails.
    with open(os.path.join(project.src, "docbuild.yaml"), "w") as f:
        f.write("formats: [html, text]\npublish:\n  site: {path: ../blocked/site}\n")
    with open(project.path("blocked"), "w") as f:
        f.write("a file, not a folder\n")
    project.configure()
    assert project.ninja("publish-site", check=False).returncode != 0
    # The old failure of a step `html` does not reach is no part of its gate.
    result = ci(project, "html")
    assert result.returncode == 0, result.stdout + result.stderr
    # The runner recorded the failure itself, with the exit status.
    with open(project.path("build", "logs", "publish-site.log.status"), encoding="utf-8") as f:
        assert f.read().startswith("failed 1 ")
    report = json.load(open(project.path("build", "report.json")))
    assert [s["name"] for s in report["steps"]] == ["html"]
    # The gate of a target that reaches it still fails on it, and so does the
    # whole report.
    assert ci(project, "publish-site").returncode != 0
    whole = run([sys.executable, "-m", "docbuild", "report"], cwd=project.work)
    assert whole.returncode == 1 and "1 failed (publish-site)" in whole.stdout


def test_after_ninja_clean_no_step_is_called_failed(project):
    project.configure()
    project.ninja("html", "text")
    project.ninja("-t", "clean")  # removes the stamps; the logs stay
    result = run([sys.executable, "-m", "docbuild", "report", "--ci"], cwd=project.work)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 failed" in result.stdout
    assert json.load(open(project.path("build", "report.json")))["steps"] == []
    gate = ci(project, "html")
    assert gate.returncode == 0, gate.stdout + gate.stderr
    assert "1 steps, 0 failed" in gate.stdout


def test_the_runner_records_each_result(tmp_path, runner_path):
    log, stamp = str(tmp_path / "s.log"), str(tmp_path / "s.stamp")

    def step(code):
        return run([sys.executable, "-m", "docbuild.run", "--step", "s", "--log", log, "--stamp", stamp,
                    "--", sys.executable, "-c", code], cwd=str(tmp_path))

    def status():
        with open(log + ".status", encoding="utf-8") as f:
            return f.read()

    assert step("pass").returncode == 0 and status() == "ok 0\n"
    assert step("raise SystemExit(3)").returncode == 3
    assert status() == "failed 3 exited with status 3\n" and not os.path.exists(stamp)
    # Stopped from outside (ninja's Ctrl-C, a kill): interrupted, not failed.
    killed = step("import os, signal, time; os.kill(os.getppid(), signal.SIGTERM); time.sleep(30)")
    assert killed.returncode == 128 + 15 and status() == "interrupted 143 signal SIGTERM\n"


def test_report_refuses_a_ninja_log_of_another_version(project):
    # report read every 5-field line of any file named .ninja_log; it now
    # reads the log as timing does (docbuild/ninja_tool.py), header first.
    project.configure()
    project.ninja("html")
    log = project.path(".ninja_log")
    with open(log, encoding="utf-8") as f:
        lines = f.read().split("\n", 1)[1]
    with open(log, "w", encoding="utf-8") as f:
        f.write("# ninja log v4\n" + lines)
    result = run([sys.executable, "-m", "docbuild", "report"], cwd=project.work)
    assert result.returncode == 1
    assert ".ninja_log:1: error: unsupported ninja log version 'v4'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_warning_without_a_location_is_reported_with_one_level(project):
    project.edit("conf.py", '\nhtml_static_path = ["no-such-folder"]\n')
    project.configure()
    project.ninja("html")
    result = run([sys.executable, "-m", "docbuild", "report", "html"], cwd=project.work)
    assert "WARNING: html_static_path entry 'no-such-folder' does not exist" in result.stdout, result.stdout
    assert "WARNING: WARNING:" not in result.stdout
