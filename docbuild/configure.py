"""`python configure.py`: settings -> plan -> write build.ninja and its side files.

Runs on every regeneration, so it stays cheap: conf.py is evaluated only
when it changed (sphinxconf caches it), and every file it writes is written
only when its bytes change, so that an unchanged result triggers nothing.
"""

import argparse
import json
import os
import sys

from docbuild import attach, images, matrix, ninja_tool, site, variants
from docbuild.errors import entry_point
from docbuild.formats import FORMATS
from docbuild.ninja_file import render
from docbuild.paths import BuildDir, spell, write_atomic, write_if_changed
from docbuild.plan import plan, settings


def parser(prog):
    p = argparse.ArgumentParser(
        prog=prog,
        description="Scan a Sphinx project and write build.ninja in the current folder; "
                    "then run `ninja` to build.",
        epilog="Targets: run `ninja help` after configuring. Settings: docbuild.yaml beside "
               "conf.py (see the manual's configuration reference).",
    )
    p.add_argument("--source", metavar="DIR",
                   help="the Sphinx project: the folder that holds conf.py "
                        "(default: ./docs, ./doc, ... or docbuild's own manual)")
    p.add_argument("--config", metavar="FILE",
                   help="the docbuild.yaml to use (default: docbuild.yaml beside conf.py, if any)")
    p.add_argument("--build-dir", metavar="DIR",
                   help="where outputs go (default: build_dir from docbuild.yaml, else build)")
    p.add_argument("--ci", action="store_true",
                   help="CI mode: Sphinx fails on warnings (then run `python -m docbuild ci`)")
    p.add_argument("--matrix", action="store_true",
                   help="print the CI matrix's jobs as JSON (see `docbuild ci job`), and stop")
    p.add_argument("--group", action="append", metavar="FMT,FMT",
                   help="with --matrix: write these formats in one job (per variant)")
    p.add_argument("--regenerate", action="store_true", help=argparse.SUPPRESS)
    return p


def remove_stale(gen_dir, gen_dirs, plan, names_dir, top, current_names):
    """Delete generated files that no source produces any more (a removed file,
    or an edition no longer declared).

    Only files a generate step recorded in a names file (below `names_dir`,
    in the build dir's .docbuild) are deleted: a build dir may be a folder
    that already held a gen/ of someone else's, and those files stay.  Names
    files of groups that no longer exist go once their outputs are gone.
    """
    wanted = {os.path.normpath(os.path.join(d, o)) for d in gen_dirs
              for outs in plan.values() for o in outs}
    current = {os.path.normpath(os.path.join(top, n)) for n in current_names}
    recorded, old_names = set(), []
    for root, _, files in os.walk(names_dir):
        for name in files:
            if name.endswith(".names"):
                path = os.path.join(root, name)
                recorded.update(os.path.normpath(os.path.join(top, out)) for out in read_outputs(path))
                if path not in current:
                    old_names.append(path)
    for path in sorted(recorded - wanted):
        if path.startswith(gen_dir + os.sep) and os.path.isfile(path) and not os.path.islink(path):
            os.unlink(path)
            folder = os.path.dirname(path)
            while folder != gen_dir and folder.startswith(gen_dir + os.sep) and not os.listdir(folder):
                os.rmdir(folder)
                folder = os.path.dirname(folder)
    for path in old_names:
        os.unlink(path)


def read_outputs(names_file):
    """The outputs a names file lists (lines `source<TAB>output`)."""
    try:
        with open(names_file, encoding="utf-8", errors="surrogateescape") as f:
            return [line.split("\t", 1)[1] for line in f.read().splitlines() if "\t" in line]
    except OSError:
        return []


def prewrite_names(rows, top):
    """Write a new group's names file as its generator will, so that the first
    build does not run configure a second time after generating."""
    for row in rows:
        path = os.path.join(top, row["names"])
        if not os.path.exists(path):
            pairs = sorted((out, row["sources"][0]) for out in row["outputs"])
            by_source = dict(row.get("owners", {}))
            write_if_changed(path, "".join(f"{by_source.get(o, s)}\t{o}\n" for o, s in pairs))


def aliases(rows):
    """Targets that name several variants: `html` (every variant), and with
    both editions and languages `html-cloud` (every language of an edition)
    and `html-ja` (every edition in a language)."""
    groups = {}
    for row in rows:
        if row["format"] != "read":
            for name in variants.groups(row["format"], row["variant"]):
                groups.setdefault(name, []).append(row["name"])
    return [{"name": name, "targets": targets} for name, targets in groups.items()]


def step_list(rows, build_dir, publish):
    """The steps reports and `docbuild clean` look at: stamp, log, (for Sphinx)
    doctree dir, and kind: read (a shared read), sphinx, tool, stage or publish."""
    steps, bd = [], BuildDir(build_dir)
    for row in rows:
        kind = "read" if row["format"] == "read" else "sphinx" if row["builder"] else "tool"
        steps.append({"name": row["name"], "stamp": os.path.abspath(row["stamp"]),
                      "log": os.path.abspath(row["log"]), "kind": kind,
                      "doctrees": bd.doctrees(row["name"]) if row["builder"] else None})
    for name in ["stage", *(f"publish-{d}" for d in publish["destinations"])]:
        steps.append({"name": name, "stamp": bd.stamp(name), "log": bd.log(name), "doctrees": None,
                      "kind": "stage" if name == "stage" else "publish"})
    return steps


def help_text(cfg, project_name, all_variants=()):
    lines = [f"Targets for {project_name} (ninja TARGET):"]
    for name, fmt in FORMATS.items():
        marks = []
        if name in cfg.default:
            marks.append("default")
        if name in cfg.formats:
            marks.append("in all")
        suffix = f"  [{', '.join(marks)}]" if marks else ""
        lines.append(f"  {name:12} {fmt.help}{suffix}")
    lines.append(f"  {'all':12} every format in `formats`: {', '.join(cfg.formats)}")
    suffixes = [v.suffix for v in all_variants if v.suffix]
    if suffixes:
        lines.append("")
        lines.append(f"Variants (editions x languages): {', '.join(suffixes)}")
        lines.append(f"  FORMAT-VARIANT builds one, for example html-{suffixes[0]} or "
                     f"latexpdf-{suffixes[-1]}; FORMAT alone builds it for every variant")
        if cfg.languages:
            lines.append("  python -m docbuild catalogs update   extract messages and merge them into "
                         "each language's .po files")
        lines.append("")
    lines.append(f"  {'generate':12} only the files generated from structured YAML content")
    lines.append(f"  {'stage':12} the site tree in the build dir (formats, downloads, redirects)")
    if cfg.publish:
        first = next(iter(cfg.publish))
        lines.append(f"  {'publish':12} publish the staged site to `{first}`")
        for name in cfg.publish:
            lines.append(f"  {'publish-' + name:12} publish the staged site to `{name}`")
    lines.append(f"  {'report':12} the slowest steps and critical path of the last build "
                 "(also build/timing.json for Perfetto and build/timing.html)")
    lines.append(f"  {'help':12} this list")
    lines.append("")
    lines.append("Also: python -m docbuild deps FILE   (what FILE includes, and what includes it)")
    lines.append("      Logs of every step are in the build dir's logs/ folder.")
    return "\n".join(lines) + "\n"


# --- configure: settings, plan, write (docbuild/plan.py holds the first two) ---

def configure(args):
    s = settings(args)
    if args.matrix:  # the CI jobs (docbuild/matrix.py)
        return {"matrix": matrix.plan(matrix.jobs(s.cfg, s.variants), args.group)}
    return write(plan(s))


# --- Writing ---------------------------------------------------------------------

def write(p):
    """build.ninja and the files its steps read, each only when its bytes
    change; then ninja's log learns build.ninja's new mtime."""
    s, found, top, build = p.settings, p.sources, p.settings.top, p.settings.build
    for path, text in [*p.generators.globals.items(), *p.generators.attach_lists.items()]:
        write_if_changed(path, text)
    attach.write_map(build.state("attach.json"), found.attach_map)
    site.write_plans(build.state(), p.stage, p.publish)
    context = render_context(p)
    text = render(cache_dir=build.state("jinja"), **context)
    # Before the regeneration edge's outputs, so that they are newer.
    prewrite_names(p.generators.rows, top)
    # The sources list changes exactly when a document is added or removed:
    # the Sphinx edges depend on it, so new pages appear without a manual step.
    sources_list = build.state("sources.list")
    write_if_changed(sources_list, "".join(spell(f, top) + "\n" for f in found.sources)
                     + "".join(f"missing include: {f}\n" for f in found.absent))
    write_if_changed(build.state("help.txt"), help_text(s.cfg, context["project"], s.variants))
    write_if_changed(build.state("steps.json"), json.dumps(step_list(p.rows, build.root, p.publish), indent=0))
    matrix.write_jobs(build.state(), matrix.jobs(s.cfg, s.variants))
    write_if_changed(build.state("catalogs.json"), json.dumps(catalogs_file(p, context["project"]), indent=1))
    remove_stale(build.gen, s.gen_dirs.values(), found.content, build.state("gen"), top,
                 [g["names"] for g in p.generators.rows])
    write_if_changed(build.state("graph.json"), json.dumps(found.graph.to_json()))
    build_ninja = os.path.join(top, "build.ninja")
    changed = write_if_changed(build_ninja, text)
    if not changed and not s.args.regenerate:
        # Run by hand: give build.ninja a fresh mtime (by rewriting it), so
        # that it is newer than the inputs that changed since the last run and
        # ninja does not run configure again.
        write_atomic(build_ninja, text)
    if not s.args.regenerate and os.path.exists(ninja_tool.log_path(top)):
        ninja_tool.restat(top, "build.ninja", spell(sources_list, top))
    return {
        "srcdir": s.srcdir, "docs": len(found.project.docs), "changed": changed,
        "conf_error": s.conf_error, "build_dir": build.root, "context": context,
        "left_out": p.stage["left_out"], "unwatched": p.regen.unwatched,
    }


def catalogs_file(p, project_name):
    """What `docbuild catalogs update` reads."""
    rows = [r for r in p.rows if r["format"] == "gettext"]
    return {"languages": p.settings.cfg.languages, "project": project_name,
            "version": p.sources.globals["version"], "locale_dir": p.catalogs.locale_folders[0],
            "gettext_targets": [r["name"] for r in rows],
            "gettext_dirs": [p.settings.build.output(r["name"]) for r in rows]}


def configure_args(s):
    """The command line the regeneration edge runs configure with."""
    top, args = s.top, s.args
    out = ["--source", spell(s.srcdir, top)]
    if args.config:
        out += ["--config", spell(args.config, top)]
    if args.build_dir:
        out += ["--build-dir", spell(args.build_dir, top)]
    if args.ci:
        out.append("--ci")
    return out


def render_context(p):
    """The values build.ninja.in is rendered with: every path spelled."""
    s, found, top, build, cfg = p.settings, p.sources, p.settings.top, p.settings.build, p.settings.cfg
    generators, rows = p.generators.rows, p.rows
    regen_inputs = [spell(f, top) for f in p.regen.inputs]
    generate_args = ["--srcdir", spell(s.srcdir, top), "--root", spell(s.root, top)]
    if cfg.templates:
        generate_args += ["--templates", spell(cfg.templates, top)]
    return dict(
        project=s.values.get("project") or os.path.basename(s.srcdir),
        build_dir=spell(build.root, top),
        python=sys.executable,
        pool_depth=cfg.sphinx_pool_depth,
        jobs=cfg.sphinx_jobs,
        configure_args=configure_args(s),
        sources_list=spell(build.state("sources.list"), top),
        regen_inputs=regen_inputs,
        absent_includes=found.absent,
        conf_py=spell(os.path.join(s.srcdir, "conf.py"), top),
        # A source that disappears must make its edges dirty, not stop ninja.
        may_vanish=list(dict.fromkeys(regen_inputs + [f for g in generators for f in g["sources"]]
                                      + [i for c in p.catalogs.edges for i in c["inputs"]])),
        formats=rows,
        aliases=aliases(rows),
        catalogs=p.catalogs.edges,
        generators=generators,
        generate_args=generate_args,
        generate_limits=["--timeout", f"{cfg.timeout('generate')[0]:g}",
                         "--idle", f"{cfg.timeout('generate')[1]:g}"],
        all_targets=[n for n in FORMATS if n in cfg.formats],
        default_targets=cfg.default,
        help_file=spell(build.state("help.txt"), top),
        **site_context(p),
        **giza_context(p),
    )


def site_context(p):
    """The downloads, stage and publish edges, and the timing report's files."""
    top, build, publish = p.settings.top, p.settings.build, p.publish
    stage_inputs = p.stage["inputs"] + [build.state("stage.json")] + (
        [build.state("redirects.names")] if p.settings.cfg.redirects else [])
    return dict(
        dist=[{**d, "out": spell(d["out"], top), "input": spell(d["input"], top),
               "log": spell(build.log(d["step"]), top),
               "args": [spell(a, top) if os.path.isabs(a) else a for a in d["args"]]} for d in p.dist],
        stage={"stamp": spell(build.stamp("stage"), top), "log": spell(build.log("stage"), top),
               "plan": spell(build.state("stage.json"), top), "inputs": [spell(f, top) for f in stage_inputs]},
        publish_plan=spell(build.state("publish.json"), top),
        destinations=[{"name": n, "stamp": spell(build.stamp(f"publish-{n}"), top),
                       "log": spell(build.log(f"publish-{n}"), top)}
                      for n in publish["destinations"]],
        default_destination=publish["default"],
        build_dir_arg=spell(build.root, top),
        timing_trace=spell(build.path("timing.json"), top),
        timing_html=spell(build.path("timing.html"), top),
    )


def giza_context(p):
    """The edges of giza's generated files: images, the overview, the commit hash."""
    s, found, top, build = p.settings, p.sources, p.settings.top, p.settings.build
    info, includes_overview = found.info, found.overview
    return dict(
        images=[{"name": i["name"], "svg": spell(i["svg"], top), "spec": spell(i["spec"], top),
                 "outputs": [spell(o, top) for o in i["outputs"]],
                 "log": spell(build.log(os.path.join("images", i["name"])), top)}
                for i in found.image_edges],
        image_template=spell(images.TEMPLATE, top),
        overview=includes_overview and {
            "outputs": [spell(o, top) for o in includes_overview["outputs"]],
            "inputs": [spell(i, top) for i in includes_overview["inputs"]],
            "args": ["--srcdir", spell(s.srcdir, top), "--skip", spell(build.root, top),
                     *(spell(o, top) for o in includes_overview["outputs"])],
            "log": spell(build.log("overview"), top)},
        buildinfo=info and {"outputs": [spell(o, top) for o in info["outputs"]],
                            "inputs": [spell(i, top) for i in info["inputs"]],
                            "repo": spell(s.srcdir, top),
                            "log": spell(build.log("buildinfo"), top)},
    )


@entry_point
def main(argv=None, prog="python configure.py"):
    args = parser(prog).parse_args(argv)
    result = configure(args)
    if "matrix" in result:
        print(json.dumps(result["matrix"]))
        return 0
    if result["unwatched"] and not args.regenerate:
        print(f"docbuild: note: the build writes into {', '.join(spell(d) for d in result['unwatched'])}, "
              "which is also a source folder: after adding or removing a file directly in it, "
              "run configure again", file=sys.stderr)
    if result["conf_error"]:
        print(f"docbuild: note: conf.py failed when read for scanning; using Sphinx's defaults. "
              f"The build will show the error (details: {spell(result['conf_error'])})",
              file=sys.stderr)
    for fmt, tool, install in result["left_out"]:
        print(f"docbuild: note: `ninja stage` leaves out {fmt}: it needs {tool}, which is not installed "
              f"(apt-get install {install}; then run configure again). List it in `stage: formats` "
              f"to make it required.", file=sys.stderr)
    if not args.regenerate:
        state = "written" if result["changed"] else "unchanged"
        print(f"docbuild: {result['docs']} documents in {spell(result['srcdir'])}; "
              f"build.ninja {state}. Now run `ninja` (or `ninja help` for the targets).")
    return 0
