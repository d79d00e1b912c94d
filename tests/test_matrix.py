"""The CI matrix past one machine (issue 18): jobs on separate checkouts at
different paths, artifacts carried between them as a CI system would (cp -r,
which keeps no times), and the cache recipe on fresh git clones."""

import json
import os
import shutil
import subprocess
import sys

from conftest import NINJA, Project, reread, run, tree
from test_variants import EDITIONS

FORMATS = "formats: [html, singlehtml]\n"


def docbuild(top, *args, check=True):
    result = run([sys.executable, "-m", "docbuild", *args], cwd=top)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result



def editions_project(root, formats=FORMATS):
    files = dict(EDITIONS)
    files["docbuild.yaml"] = EDITIONS["docbuild.yaml"].replace("formats: [html, text]\n", formats)
    assert formats in files["docbuild.yaml"]
    return Project(root, files)


def test_configure_matrix_has_a_read_job_per_variant_and_writers_that_need_it(tmp_path):
    p = editions_project(tmp_path / "work")
    plan = json.loads(p.configure("--matrix").stdout)
    assert plan["read"]["include"] == [{"job": "read-cloud", "needs": ""}, {"job": "html-cloud", "needs": ""},
                                       {"job": "read-onprem", "needs": ""}, {"job": "html-onprem", "needs": ""}]
    assert plan["write"]["include"] == [{"job": "singlehtml-cloud", "needs": "read-cloud"},
                                        {"job": "singlehtml-onprem", "needs": "read-onprem"}]
    assert plan["stage"]["include"] == [{"job": "stage", "needs": "html-cloud html-onprem singlehtml-cloud "
                                                                  "singlehtml-onprem"}]
    assert plan["jobs"]["singlehtml-cloud"] == {"stage": 2, "needs": ["read-cloud"]}
    assert not os.path.exists(p.path("build.ninja"))


def runner(base, at, artifacts, job):
    """One CI job on a fresh checkout at `at`: artifacts in, the job, artifacts out."""
    shutil.copytree(base, at)
    subprocess.run(["cp", "-r", artifacts, os.path.join(at, "artifacts")], check=True)
    docbuild(at, "configure", "--source", "proj")
    result = docbuild(at, "ci", "job", job, "--artifacts", "artifacts", check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    subprocess.run(["cp", "-r", os.path.join(at, "artifacts", "."), artifacts], check=True)
    return result


def test_a_matrix_on_runners_at_other_paths_stages_what_one_machine_stages(tmp_path):
    # Two editions; no html, to keep it short (html is a job that reads for
    # itself, as on one machine).  One job writes both formats of an edition.
    base = editions_project(tmp_path / "base", "formats: [singlehtml, text]\n").work
    artifacts = str(tmp_path / "carried")
    os.makedirs(artifacts)
    plan = json.loads(docbuild(base, "configure", "--source", "proj", "--matrix",
                               "--group", "singlehtml,text").stdout)
    assert plan["write"]["include"] == [{"job": "singlehtml-cloud+text-cloud", "needs": "read-cloud"},
                                        {"job": "singlehtml-onprem+text-onprem", "needs": "read-onprem"}]
    runners = {}
    for n, entry in enumerate(plan["read"]["include"] + plan["write"]["include"] + plan["stage"]["include"]):
        # Paths of different lengths and depths, none the read job's.
        at = str(tmp_path / f"runner{n}" / ("deeper/" * (n % 3)) / "checkout")
        runners[entry["job"]] = (at, runner(base, at, artifacts, entry["job"]))

    single = str(tmp_path / "one-machine")
    shutil.copytree(base, single)
    docbuild(single, "configure", "--source", "proj")
    subprocess.run([NINJA, "stage"], cwd=single, check=True, capture_output=True)

    for edition in ("cloud", "onprem"):
        at, result = runners[f"singlehtml-{edition}+text-{edition}"]
        assert "its doctrees are moved here" in result.stdout
        assert "again" not in result.stdout
        assert not [n for n in os.listdir(os.path.join(at, "build", "logs")) if n.startswith("read")]
        # Each writer wrote from the read job's doctrees.  In the cloud
        # edition, whose index has a toctree naming an excluded page, Sphinx
        # reads the index on every run: a writer on one machine does the same.
        expected = (0, 1, 0) if edition == "cloud" else (0, 0, 0)
        with open(os.path.join(single, "build", "logs", f"singlehtml-{edition}.log"), encoding="utf-8") as f:
            assert reread(f.read()) == expected
        for writer in (f"singlehtml-{edition}", f"text-{edition}"):
            with open(os.path.join(at, "build", "logs", f"{writer}.log"), encoding="utf-8") as f:
                assert reread(f.read()) == expected
    staged = tree(os.path.join(runners["stage"][0], "build", "public"))
    assert "2.1/cloud/single/index.html" in staged and "2.1/onprem/single/index.html" in staged
    assert staged == tree(os.path.join(single, "build", "public"))


def test_a_writer_refuses_the_read_of_other_sources(tmp_path):
    base = Project(tmp_path / "base", {"conf.py": 'project = "M"\nsmartquotes = False\n', "index.rst": "M\n=\n\nText.\n",
                                       "docbuild.yaml": "formats: [text]\n"}).work
    artifacts = str(tmp_path / "carried")
    os.makedirs(artifacts)
    runner(base, str(tmp_path / "a" / "checkout"), artifacts, "read")
    with open(os.path.join(base, "proj", "index.rst"), "a", encoding="utf-8") as f:
        f.write("\nAn edit the read job did not see.\n")
    at = str(tmp_path / "b")
    shutil.copytree(base, at)
    docbuild(at, "configure", "--source", "proj")
    result = docbuild(at, "ci", "job", "text", "--artifacts", artifacts, check=False)
    assert result.returncode == 1
    assert "error: the job read read other sources than this checkout has: proj/index.rst differ" \
        in result.stderr
    assert not os.path.exists(os.path.join(at, "build", "stamps", "text.stamp"))


def git(cwd, *args):
    subprocess.run(["git", "-c", "user.name=ci", "-c", "user.email=ci@example.com", *args], cwd=cwd,
                   check=True, capture_output=True)


def test_a_fresh_clone_with_the_build_restored_rereads_the_one_page_committed(tmp_path):
    origin = Project(tmp_path / "origin").work
    git(origin, "init", "-q", "-b", "main")
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "docs")
    clone, cache = str(tmp_path / "runner" / "work"), str(tmp_path / "cache")

    def ci_job():
        """A fresh clone, the cache restored (with its times, as a cache's
        tar keeps them), the times restored, a build, the cache saved."""
        shutil.rmtree(os.path.dirname(clone), ignore_errors=True)
        git(str(tmp_path), "clone", "-q", origin, clone)
        for name in ("build", ".ninja_log", ".ninja_deps"):
            if os.path.isdir(os.path.join(cache, name)):
                shutil.copytree(os.path.join(cache, name), os.path.join(clone, name), symlinks=True)
            elif os.path.exists(os.path.join(cache, name)):
                shutil.copy2(os.path.join(cache, name), os.path.join(clone, name))
        said = docbuild(clone, "ci", "restore-times").stdout
        docbuild(clone, "configure", "--source", "proj")
        subprocess.run([NINJA, "html"], cwd=clone, check=True, capture_output=True)
        shutil.rmtree(cache, ignore_errors=True)
        shutil.copytree(os.path.join(clone, "build"), os.path.join(cache, "build"), symlinks=True)
        for name in (".ninja_log", ".ninja_deps"):
            shutil.copy2(os.path.join(clone, name), os.path.join(cache, name))
        with open(os.path.join(clone, "build", "logs", "html.log"), encoding="utf-8") as f:
            return said, reread(f.read())

    assert ci_job() == ("docbuild: no cached build: building from scratch\n", (3, 0, 0))
    with open(os.path.join(origin, "proj", "guide", "usage.rst"), "a", encoding="utf-8") as f:
        f.write("\nOne more line.\n")
    git(origin, "commit", "-q", "-am", "one page")
    said, counts = ci_job()
    assert said.endswith("changed since (given the current time)\n") and " 1 changed" in said
    assert counts == (0, 1, 0)


def test_restore_times_outside_git_builds_from_scratch(tmp_path):
    top = tmp_path / "export"
    os.makedirs(top / "build" / ".docbuild")
    (top / ".ninja_log").write_text("# ninja log v7\n")
    result = docbuild(str(top), "ci", "restore-times")
    assert result.stdout == ("docbuild: this folder is not in a git checkout: building from scratch "
                             "(removed the restored build)\n")
    assert sorted(os.listdir(top)) == []
