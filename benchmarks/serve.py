"""Save-to-browser time: `docbuild serve` against sphinx-autobuild, side by side.

    python benchmarks/serve.py [--project synthetic|sphinx] [--pages 600] [--reps 5]
                               [--work DIR] [--json FILE]

Makes the project, one copy per tool: the synthetic project
(benchmarks/synthetic.py; the autobuild copy gets docbuild's generated YAML
includes in its source folder, as it cannot generate them), or Sphinx's own
documentation from the sdist of the Sphinx installed here.  Starts both
servers on 127.0.0.1, opens one page of each in headless Chromium (Debian's
/usr/bin/chromium, driven by playwright) and, for a leaf page edit and an
edit of an included file, measures from the file's save to the new text
being shown in the browser, alternating the tools' order and waiting before
each edit until docbuild's warm Sphinx process is ready.  Prints medians and
docbuild/autobuild ratios, where a leaf edit's time goes (Sphinx's phases,
from the html step's log lines as they appear: `ninja html` cold, and under
docbuild serve), and checks that the served output equals a clean build's.
Needs docbuild[serve], playwright, sphinx-autobuild and chromium.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from common import html_differences, machine_info, median  # noqa: E402
from synthetic import write as write_corpus  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
# Lines of the html step's log: (label, what the line starts with).  "writing
# output... [" is the pages; a bare "writing output..." comes earlier, for .mo files.
PHASES = (("Sphinx started", "Running Sphinx"), ("pickled environment loading", "loading pickled environment"),
          ("a warm Sphinx process took the step", "docbuild serve: built by a warm"),
          ("reading the changed sources", "reading sources"), ("writing pages", "writing output... ["),
          ("dumping the search index", "dumping search index"), ("Sphinx done", "build succeeded"))


def start(command, cwd, log, pattern):
    """A server in a session of its own, its output in `log`; (process, URL)."""
    out = open(log, "wb")
    proc = subprocess.Popen(command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        with open(log, encoding="utf-8", errors="replace") as f:
            found = re.search(pattern, f.read())
        if found:
            return proc, found.group(1)
        if proc.poll() is not None:
            raise SystemExit(f"{command[0]} stopped; see {log}")
        time.sleep(0.1)
    raise SystemExit(f"no URL from {command}; see {log}")


def stop(proc):
    os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def wait_for_log(path, text, timeout=600):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                if text in f.read():
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{text!r} never appeared in {path}")


def append(path, text):
    with open(path, "a", encoding="utf-8") as f:
        f.write(text)


def warm_ready(top, timeout=120):
    """Wait until docbuild serve's warm Sphinx workers are ready (waiting for
    a build): measured with both servers idle, the workers' start-up taking
    no processor from the other tool's build."""
    import glob

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        logs = glob.glob(os.path.join(top, "build", "logs", "serve-warm-*.log"))
        tails = []
        for log in logs:
            with open(log, "rb") as f:
                tails.append(f.read().rstrip().rsplit(b"\n", 1)[-1])
        if logs and all(t.endswith(b"; waiting") for t in tails):
            return
        time.sleep(0.1)
    raise SystemExit(f"docbuild serve's warm workers never got ready; see {top}/build/logs")


def measure(page, source, url, db):
    """Seconds from saving `source` to `page` (at `url`) showing the new text."""
    page.goto(url)
    token = "edit" + uuid.uuid4().hex[:12]
    time.sleep(1.0)  # both servers idle, the page loaded and connected
    warm_ready(db)
    t0 = time.monotonic()
    append(source, f"\n\nSaved text {token}.\n")
    page.wait_for_function(f"document.body && document.body.innerText.includes('{token}')",
                           polling=10, timeout=300_000)
    return time.monotonic() - t0


def anatomy(top, source, served=False):
    """Where docbuild's time goes on a leaf edit, its html log polled every
    5 ms for the first appearance of each phase line: `ninja html` run here
    (a cold Sphinx step), or with `served`, the build docbuild serve runs
    (with its warm Sphinx process) until serve says it is done."""
    log = os.path.join(top, "build", "logs", "html.log")
    serve_log = os.path.join(os.path.dirname(top), "docbuild-serve.log")
    if served:
        warm_ready(top)
        time.sleep(1.0)
    builds = served and open(serve_log, encoding="utf-8").read().count(" built in ")
    os.unlink(log)  # the runner creates it anew: every phase line seen is this run's
    append(source, "\n\nAnatomy edit.\n")
    t0 = time.monotonic()
    proc = None if served else subprocess.Popen([ninja_binary(), "html"], cwd=top, stdin=subprocess.DEVNULL,
                                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def running():
        if proc is not None:
            return proc.poll() is None
        with open(serve_log, encoding="utf-8") as f:
            return f.read().count(" built in ") == builds

    seen, size = {}, 0
    while running():
        try:
            if os.path.getsize(log) != size:
                with open(log, encoding="utf-8", errors="replace") as f:
                    text = f.read()
                size = len(text)
                for label, start in PHASES:
                    if label not in seen and any(line.startswith(start) for line in text.splitlines()):
                        seen[label] = time.monotonic() - t0
        except OSError:
            pass
        time.sleep(0.005)
    seen["serve's build done" if served else "ninja exits"] = time.monotonic() - t0
    return seen


def ninja_binary():
    from docbuild.ninja_tool import ninja_binary as find
    return find()


def synthetic_project(work, args):
    """benchmarks/synthetic.py's project: (its root, what to edit)."""
    root = os.path.join(work, "root")
    info = write_corpus(os.path.join(root, "src"), args.pages)
    return root, {"source": "src", "pages": args.pages, "page": info["page"], "include": info["include"],
                  "include_pages": info["include_pages"], "autobuild_options": []}


def sphinx_project(work, args):
    """Sphinx's own documentation, from the sdist of the Sphinx installed here:
    (the sdist's root, what to edit).  The included file (AUTHORS.rst) lies
    outside doc/, so sphinx-autobuild watches the whole root (--watch .)."""
    import sphinx
    import tarfile

    download = os.path.join(work, "sdist")
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
                    f"sphinx=={sphinx.__version__}", "-d", download], check=True)
    with tarfile.open(os.path.join(download, f"sphinx-{sphinx.__version__}.tar.gz")) as tar:
        tar.extractall(os.path.join(work, "unpacked"), filter="data")
    root = os.path.join(work, "unpacked", f"sphinx-{sphinx.__version__}")
    pages = sum(name.endswith(".rst") for _, _, names in os.walk(os.path.join(root, "doc")) for name in names)
    return root, {"source": "doc", "pages": pages, "page": "faq.rst", "include": "../AUTHORS.rst",
                  "include_pages": ["authors"], "autobuild_options": ["--watch", "."]}


PROJECTS = {"synthetic": synthetic_project, "sphinx": sphinx_project}


def run(args):
    from playwright.sync_api import sync_playwright

    work = os.path.abspath(args.work)
    shutil.rmtree(work, ignore_errors=True)
    root, corpus = PROJECTS[args.project](work, args)
    src = corpus["source"]
    db, ab = os.path.join(work, "docbuild"), os.path.join(work, "autobuild")
    shutil.copytree(root, db)
    subprocess.run([sys.executable, "-m", "docbuild", "configure", "--source", src], cwd=db, check=True,
                   stdout=subprocess.DEVNULL)
    print("docbuild: first build ...", flush=True)
    subprocess.run([ninja_binary(), "html"], cwd=db, check=True, stdout=subprocess.DEVNULL)
    shutil.copytree(root, ab)
    if os.path.isdir(os.path.join(db, "build", "gen")):  # the generated includes, made by docbuild
        shutil.copytree(os.path.join(db, "build", "gen"), os.path.join(ab, src), dirs_exist_ok=True)
    servers = []
    try:
        proc, db_url = start([sys.executable, "-m", "docbuild", "serve", "--port", "0"], db,
                             os.path.join(work, "docbuild-serve.log"), r"(http://127\.0\.0\.1:\d+/)")
        servers.append(proc)
        wait_for_log(os.path.join(work, "docbuild-serve.log"), " built in ")
        print("sphinx-autobuild: first build ...", flush=True)
        proc, ab_url = start([shutil.which("sphinx-autobuild") or "sphinx-autobuild", "--port", "0",
                              "--host", "127.0.0.1", "--no-color", *corpus["autobuild_options"],
                              src, "_build/html"], ab,
                             os.path.join(work, "autobuild.log"), r"Serving on (http://127\.0\.0\.1:\d+)")
        servers.append(proc)
        ab_url += "/"
        cases = {"leaf page": (corpus["page"], corpus["page"][:-4] + ".html"),
                 "included file": (corpus["include"], corpus["include_pages"][0] + ".html")}
        times = {(case, tool): [] for case in cases for tool in ("docbuild", "autobuild")}
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-sync"])
            pages = {"docbuild": browser.new_page(), "autobuild": browser.new_page()}
            for rep in range(args.reps):
                for case, (source, html) in cases.items():
                    order = ("docbuild", "autobuild") if rep % 2 == 0 else ("autobuild", "docbuild")
                    for tool in order:
                        top, url = (db, db_url) if tool == "docbuild" else (ab, ab_url)
                        seconds = measure(pages[tool], os.path.join(top, src, source), url + html, db)
                        times[case, tool].append(seconds)
                        print(f"  rep {rep + 1} {case:13} {tool:9} {seconds:6.2f} s", flush=True)
            browser.close()
        warm_parts = [anatomy(db, os.path.join(db, src, corpus["page"]), served=True) for _ in range(3)]
    finally:
        for proc in servers:
            stop(proc)
    with open(os.path.join(work, "docbuild-serve.log"), encoding="utf-8") as f:
        builds = [float(x) for x in re.findall(r" built in ([\d.]+) s", f.read())[1:]]
    cold_parts = [anatomy(db, os.path.join(db, src, corpus["page"])) for _ in range(3)]
    same = clean_build_equal(work, db, src)
    return {"project": args.project, "pages": corpus["pages"], "reps": args.reps, "machine": machine_info(),
            "times": {f"{case} / {tool}": xs for (case, tool), xs in times.items()},
            "medians": {case: {tool: median(times[case, tool]) for tool in ("docbuild", "autobuild")}
                        for case in cases},
            "anatomy": {"cold ninja html": middle(cold_parts), "docbuild serve (warm)": middle(warm_parts)},
            "serve_builds": builds, "output_equals_clean_build": same}


def middle(runs):
    """Each phase's median over the runs (the phases every run saw)."""
    return {phase: median([r[phase] for r in runs]) for phase in runs[0] if all(phase in r for r in runs)}


def clean_build_equal(work, db, src):
    """The served build/html against a clean docbuild build of the same sources."""
    clean = os.path.join(work, "clean")
    shutil.copytree(db, clean, ignore=shutil.ignore_patterns("build", "build.ninja", ".ninja_*"))
    subprocess.run([sys.executable, "-m", "docbuild", "configure", "--source", src], cwd=clean,
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run([ninja_binary(), "html"], cwd=clean, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([ninja_binary(), "html"], cwd=db, check=True, stdout=subprocess.DEVNULL)
    differences = html_differences(os.path.join(db, "build", "html"), os.path.join(clean, "build", "html"))
    for line in differences:
        print("  differs:", line)
    return not differences


def table(r):
    lines = [f"save-to-browser, {r['project']} ({r['pages']} pages), median of {r['reps']} (s):",
             f"  {'edit':15} {'docbuild serve':>15} {'sphinx-autobuild':>17} {'ratio':>7}"]
    for case, m in r["medians"].items():
        lines.append(f"  {case:15} {m['docbuild']:15.2f} {m['autobuild']:17.2f} "
                     f"{m['docbuild'] / m['autobuild']:7.2f}")
    every = [x for xs in r["times"].values() for x in xs]
    mine = sorted(x for key, xs in r["times"].items() if key.endswith("docbuild") for x in xs)
    lines.append(f"docbuild serve: median save-to-browser {median(mine):.2f} s, median whole build (ninja, as "
                 f"serve reports it) {median(r['serve_builds']):.2f} s: a page reloads when it is written, "
                 f"before the build ends; {len(every)} measurements in all")
    for how, parts in r["anatomy"].items():
        lines.append(f"a leaf edit, {how}: seconds since the save when each appears (median of 3):")
        lines += [f"  {seconds:6.2f} s  {phase}" for phase, seconds in parts.items()]
    lines.append(f"served output equals a clean build's: {r['output_equals_clean_build']}")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--project", choices=sorted(PROJECTS), default="synthetic",
                   help="the synthetic project (--pages), or Sphinx's own documentation (from the sdist "
                        "of the Sphinx installed here)")
    p.add_argument("--pages", type=int, default=600)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--work", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "docbuild-serve-bench"))
    p.add_argument("--json", help="write the results here")
    args = p.parse_args(argv)
    report = run(args)
    print()
    print(table(report))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=1)
    return 0 if report["output_equals_clean_build"] else 1


if __name__ == "__main__":
    sys.exit(main())
