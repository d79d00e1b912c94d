"""The CI matrix: jobs on separate machines that share the read.

    python configure.py --matrix [--group FMT,FMT]   the jobs, as JSON (see plan())
    python -m docbuild ci job NAME --artifacts DIR [--build-dir DIR]

Three stages, each job one command:
  read    per variant, the shared `read` step; its artifact is the doctrees
          (and what they were read from, by content hash).  The formats that
          read the sources themselves (html, gettext, linkcheck) are jobs of
          this stage too.
  write   one job per format and variant that writes from the shared read: it
          takes the read job's artifact and reads no source (--group makes
          one job, `man+text`, of several cheap formats).
  stage   takes every job's output folders and runs `ninja stage` (or a
          publish target) without building any format again.

Artifacts are plain folders, DIR/<job>/, so any CI system can carry them.
The doctrees and Sphinx's pickled environment hold absolute paths: a job on
a checkout at another path moves them to its own (docbuild/relocate.py),
and a job checks that it has the sources the read job read (their content
hashes) before it trusts the doctrees.

Jobs run ninja for everything that does not depend on another job's work,
and run the command of each edge that does (`ninja -t commands -s`) directly:
ninja would build the other job's step again, having no record of it.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time

from docbuild import variants
from docbuild.errors import UserError, report
from docbuild.formats import FORMATS
from docbuild.paths import OWN_STATE_PREFIX, BuildDir, file_sha256, spell, write_if_changed
from docbuild.relocate import import_doctrees

JOBS_FILE = "jobs.json"  # in the build dir's .docbuild
MANIFEST = "job.json"  # in each job's artifact


# --- The plan -----------------------------------------------------------------

def jobs(cfg, all_variants):
    """Every job: {name, kind (read, self, write, stage), needs, steps, and
    the listed format of a format's job}.

    `steps` are the steps (ninja step names) the job runs; their output
    folders build/<step> are its artifact.  A format made from another one
    (latexpdf from latex) is one job with both steps, and a listed `latex`
    is then no job of its own."""
    made_from = {FORMATS[n].after for n in cfg.formats if FORMATS[n].after}
    out, later = [], []
    for v in all_variants:
        read = variants.target("read", v)
        wanted = [n for n in FORMATS if n in cfg.formats and n not in made_from and variants.builds(n, v)]
        uses_read = [n for n in wanted if (FORMATS[n].after or n) in cfg.shared_read]
        if uses_read:
            out.append({"name": read, "kind": "read", "needs": [], "steps": [read]})
        for n in wanted:
            steps = [variants.target(s, v) for s in (FORMATS[n].after, n) if s]
            job = {"name": variants.target(n, v), "format": n, "steps": steps}
            if n in uses_read:
                later.append({**job, "kind": "write", "needs": [read]})
            else:
                out.append({**job, "kind": "self", "needs": []})
    out += later
    out.append({"name": "stage", "kind": "stage", "steps": [],
                "needs": [j["name"] for j in out if j["kind"] != "read"]})
    return out


def grouped(all_jobs, groups, where=None):
    """The jobs with the writers of each group of formats (["man", "text"])
    that need the same read job merged into one, named `man+text`."""
    known = {j["format"] for j in all_jobs if j["kind"] == "write"}
    for group in groups:
        for name in group:
            if name not in known:
                raise UserError(f"--group names {name!r}, which is not a format written from the shared read here",
                                where=where, hint="group formats that write from the read: "
                                                  + (", ".join(sorted(known)) or "none here"))
    out, merged = [], {}
    for job in all_jobs:
        group = next((i for i, g in enumerate(groups) if job.get("format") in g), None)
        if job["kind"] != "write" or group is None:
            out.append(job)
        elif (group, job["needs"][0]) in merged:
            into = merged[(group, job["needs"][0])]
            into["name"] += "+" + job["name"]
            into["steps"] = into["steps"] + job["steps"]
        else:
            merged[(group, job["needs"][0])] = dict(job)
            out.append(merged[(group, job["needs"][0])])
    out[-1] = {**out[-1], "needs": [j["name"] for j in out if j["kind"] not in ("read", "stage")]}
    return out


def plan(all_jobs, groups=()):
    """What `configure --matrix` prints: one GitHub Actions matrix per stage
    ({"include": [{"job": NAME, "needs": READ_JOB or ""}]}), and every job.
    `groups`: lists of formats whose writers are one job each (--group)."""
    all_jobs = grouped(all_jobs, [g.split(",") for g in groups or ()])
    def include(kinds):
        return {"include": [{"job": j["name"], "needs": " ".join(j["needs"])}
                            for j in all_jobs if j["kind"] in kinds]}
    return {"read": include({"read", "self"}), "write": include({"write"}), "stage": include({"stage"}),
            "jobs": {j["name"]: {"stage": {"read": 1, "self": 1, "write": 2, "stage": 3}[j["kind"]],
                                 "needs": j["needs"]} for j in all_jobs}}


def write_jobs(meta, all_jobs):
    """The jobs, for `docbuild ci job`; written only when they change."""
    write_if_changed(os.path.join(meta, JOBS_FILE), json.dumps({"jobs": all_jobs}, indent=1))


# --- ninja ---------------------------------------------------------------------

def ninja(*args, capture=True):
    from docbuild.ninja_tool import ninja_binary

    return subprocess.run([ninja_binary(), *args], stdin=subprocess.DEVNULL, text=True,
                          capture_output=capture)


def query(node):
    """(rule or None, direct inputs, consumers) of a node, from `ninja -t query`."""
    result = ninja("-t", "query", node)
    if result.returncode:
        raise UserError(f"ninja does not know {node}: {result.stdout.strip() or result.stderr.strip()}",
                        hint="run configure again (python configure.py) in this checkout")
    rule, inputs, consumers, section = None, [], [], None
    for line in result.stdout.splitlines()[1:]:
        if line.startswith("  input: "):
            rule, section = line.split(": ", 1)[1], inputs
        elif line.strip() == "outputs:":
            section = consumers
        elif line.startswith("    ") and section is not None:
            section.append(line.strip().lstrip("|").strip())
    return rule, inputs, consumers


def split(targets, provided):
    """(what ninja can build, the edges to run by their command, in order) to
    bring `targets` up to date as if the steps whose stamps are in `provided`
    had run here: ninja builds everything that does not depend on them; each
    edge that does is run by its own command, after its inputs."""
    tainted, queue, cache = set(), list(provided), {}
    while queue:  # every node that depends on a provided stamp
        node = queue.pop()
        cache[node] = query(node)
        for consumer in cache[node][2]:
            if consumer not in tainted:
                tainted.add(consumer)
                queue.append(consumer)
    order, plain, seen = [], [], set()

    def visit(node):
        if node in seen or node in provided:
            return
        seen.add(node)
        if node not in tainted:
            plain.append(node)
            return
        rule, inputs, _ = cache.get(node) or query(node)
        for i in inputs:
            visit(i)
        if rule not in (None, "phony"):
            order.append(node)

    for target in targets:
        visit(target)
    return plain, order


def build(plain):
    """ninja's exit status for the nodes ninja may build itself."""
    return ninja(*plain, capture=False).returncode if plain else 0


def run_edges(order):
    """Run each edge's own command (as ninja would), in order; the first failure's status."""
    for node in order:
        command = ninja("-t", "commands", "-s", node).stdout.strip()
        print(f"docbuild: {node} (its inputs come from other jobs)", flush=True)
        code = subprocess.call(["/bin/sh", "-c", command], stdin=subprocess.DEVNULL)
        if code:
            return code
    return 0



# --- Artifacts -------------------------------------------------------------------

def read_inputs(stamp, top):
    """{path relative to top: sha256} of every file inside top the step read
    (ninja's record of its depfile)."""
    lines = ninja("-t", "deps", stamp).stdout.splitlines()
    found = {}
    for line in lines[1:]:
        path = line.strip()
        full = os.path.normpath(os.path.join(top, path))
        if line.startswith("    ") and path and full.startswith(top + os.sep) and os.path.isfile(full):
            found[os.path.relpath(full, top)] = file_sha256(full)
    return found


def versions():
    import docutils
    import sphinx

    return {"python": sys.version.split()[0], "sphinx": sphinx.__version__, "docutils": docutils.__version__}


def export(job, build_dir, top, artifacts):
    """Write the job's artifact, artifacts/<job>/, afresh."""
    folder = os.path.join(artifacts, job["name"])
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    manifest = {"job": job["name"], "kind": job["kind"], "top": top, "build_dir": build_dir,
                "versions": versions()}
    if job["kind"] == "read":
        step = job["steps"][0]
        shutil.copytree(BuildDir(build_dir).doctrees(step), os.path.join(folder, "doctrees"),
                        # each writer's own memory (see sphinx_step.sync_doctrees): not shared
                        ignore=lambda d, names: [n for n in names if n.startswith(OWN_STATE_PREFIX)])
        manifest["inputs"] = read_inputs(spell(BuildDir(build_dir).stamp(step), top), top)
    else:
        for step in job["steps"]:
            out = BuildDir(build_dir).output(step)
            if os.path.isdir(out):
                shutil.copytree(out, os.path.join(folder, "out", step), symlinks=True)
    # Last, and by rename: a job stopped halfway leaves no artifact that looks whole.
    tmp = os.path.join(folder, f".{MANIFEST}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1)
    os.replace(tmp, os.path.join(folder, MANIFEST))


def load_artifact(artifacts, name):
    folder = os.path.join(artifacts, name)
    path = os.path.join(folder, MANIFEST)
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except OSError:
        raise UserError(f"no artifact of the job {name!r} in {artifacts} (no {name}/{MANIFEST})",
                        hint=f"run `docbuild ci job {name} --artifacts DIR` first, and download its "
                             f"artifact into {os.path.join(artifacts, name)}") from None
    except ValueError as exc:
        manifest = exc
    shapes = {"job": str, "kind": str, "top": str, "build_dir": str, "versions": dict}
    if not isinstance(manifest, dict) or any(not isinstance(manifest.get(k), t) for k, t in shapes.items()) \
            or not isinstance(manifest.get("inputs", {}), dict):
        raise UserError(f"{path} is not the manifest of a docbuild job's artifact",
                        hint=f"download the artifact of the job {name!r} again, unchanged")
    return folder, manifest


def moves_for(manifest, build_dir, top):
    """[(old, new)] folders to move, longest first; a line saying so when any."""
    pairs = [(manifest["build_dir"], build_dir), (manifest["top"], top)]
    moves = sorted({(o, n) for o, n in pairs if o != n}, key=lambda p: -len(p[0]))
    if moves:
        print(f"docbuild: the job {manifest['job']} ran in {manifest['top']}, this checkout is {top}: "
              "its doctrees are moved here", flush=True)
    return moves


def check_same(manifest, top):
    """The read job read these very files, with this Python and Sphinx."""
    mine = versions()
    if manifest["versions"] != mine:
        raise UserError(f"the job {manifest['job']} ran with {manifest['versions']}, this one with {mine}",
                        hint="install the same Python, Sphinx and docutils in every job of the matrix")
    differ = []
    for rel, digest in sorted(manifest["inputs"].items()):
        path = os.path.join(top, rel)
        if not os.path.isfile(path) or file_sha256(path) != digest:
            differ.append(rel)
    if differ:
        more = f" and {len(differ) - 3} more" if len(differ) > 3 else ""
        raise UserError(f"the job {manifest['job']} read other sources than this checkout has: "
                        f"{', '.join(differ[:3])}{more} differ",
                        hint="run every job of the matrix on the same commit, with the same settings")


def reread_count(log):
    """How many documents the Sphinx step of `log` read, from its log."""
    try:
        with open(log, encoding="utf-8", errors="replace") as f:
            match = re.search(r"updating environment: .*?(\d+) added, (\d+) changed", f.read())
    except OSError:
        return 0
    return int(match.group(1)) + int(match.group(2)) if match else 0


# --- docbuild ci job -------------------------------------------------------------

def job_main(argv):
    import argparse

    p = argparse.ArgumentParser(prog="python -m docbuild ci job",
                                description="Run one job of the CI matrix (configure --matrix).")
    p.add_argument("name", help="the job: read, a format target such as epub-cloud, or stage")
    p.add_argument("--artifacts", metavar="DIR", default="artifacts",
                   help="the folder of the jobs' artifacts, DIR/<job>/ (default: artifacts)")
    p.add_argument("--build-dir", metavar="DIR", default="build", help="configure's build dir (default: build)")
    p.add_argument("--target", metavar="TARGET",
                   help="the stage job only: build this target instead of stage (publish, publish-NAME)")
    args = p.parse_args(argv)
    try:
        return run_job(args)
    except UserError as exc:
        report(exc)
        return 1


def run_job(args):
    top, build_dir = os.getcwd(), os.path.abspath(args.build_dir)
    try:
        with open(BuildDir(build_dir).state(JOBS_FILE), encoding="utf-8") as f:
            all_jobs = {j["name"]: j for j in json.load(f)["jobs"]}
    except (OSError, ValueError):
        raise UserError(f"no build in {args.build_dir}: configure has not run here",
                        hint="run `python configure.py` (with the same options as every job) first") from None
    job = combined(all_jobs, args.name)
    stamp = lambda step: spell(BuildDir(build_dir).stamp(step), top)  # noqa: E731
    targets = [stamp(s) for s in job["steps"]]
    if job["kind"] in ("read", "self"):
        code = ninja(*targets, capture=False).returncode
    elif job["kind"] == "write":
        read = all_jobs[job["needs"][0]]["steps"][0]
        plain, order = split(targets, {stamp(read)})
        # The read's inputs that are built (generated pages) first: they are checked too.
        code = build(plain)
        if code == 0:
            always = bring_in(job["needs"][0], read, build_dir, top, args.artifacts)
            code = run_edges(order)
            said_reread(job, build_dir, always)
    else:
        for name in found_jobs(args.artifacts, job["needs"]):
            folder, manifest = load_artifact(args.artifacts, name)
            for step in sorted(os.listdir(os.path.join(folder, "out"))) if os.path.isdir(
                    os.path.join(folder, "out")) else []:
                out = BuildDir(build_dir).output(step)
                shutil.rmtree(out, ignore_errors=True)
                shutil.copytree(os.path.join(folder, "out", step), out, symlinks=True)
        provided = {stamp(s) for j in all_jobs.values() for s in j["steps"]}
        targets = [args.target or "stage"]
        plain, order = split(targets, provided)
        code = build(plain) or run_edges(order)
    if code == 0 and job["kind"] != "stage":
        export(job, build_dir, top, args.artifacts)
    from docbuild.report import report_main
    gate = report_main(["--build-dir", args.build_dir, "--ci", *targets])
    return code or gate


def combined(all_jobs, name):
    """The job NAME, or the writers of a group, `man+text` (configure --matrix --group)."""
    parts = [all_jobs.get(part) for part in name.split("+")]
    if None in parts or (len(parts) > 1 and any(p["kind"] != "write" or p["needs"] != parts[0]["needs"]
                                               for p in parts)):
        raise UserError(f"no job {name!r} in this matrix", hint="the jobs: " + ", ".join(all_jobs)
                        + "; or writers that need the same read job, joined by +")
    return {**parts[0], "name": name, "steps": [s for p in parts for s in p["steps"]]}


def found_jobs(artifacts, needs):
    """The artifacts the stage job takes: those of the jobs it needs, alone or in groups."""
    names = sorted(n for n in os.listdir(artifacts) if set(n.split("+")) & set(needs)) \
        if os.path.isdir(artifacts) else []
    covered = {part for n in names for part in n.split("+")}
    for name in needs:
        if name not in covered:
            load_artifact(artifacts, name)  # says which is missing
    return names


def bring_in(name, step, build_dir, top, artifacts):
    """The read job's doctrees, in build/doctrees/<step>, where the writers
    copy them from: checked, moved to this checkout, as read just now.
    Returns how many documents Sphinx reads again on every run."""
    folder, manifest = load_artifact(artifacts, name)
    if manifest["kind"] != "read" or "inputs" not in manifest:
        raise UserError(f"the artifact in {folder} is not that of a read job",
                        hint=f"download the artifact of the job {name!r} into {folder}")
    check_same(manifest, top)
    moves = moves_for(manifest, build_dir, top)
    return import_doctrees(os.path.join(folder, "doctrees"), BuildDir(build_dir).doctrees(step),
                           moves, time.time_ns() // 1000)


def said_reread(job, build_dir, always):
    """Says so if a writer read documents instead of only writing from the
    read's doctrees, beyond the `always` ones Sphinx reads on every run."""
    for step in job["steps"]:
        log = BuildDir(build_dir).log(step)
        count = reread_count(log)
        if count > always:
            print(f"docbuild: warning: {step} read {count} document(s) again instead of only writing "
                  f"from the read job's doctrees (see {spell(log)})", flush=True)
