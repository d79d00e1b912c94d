"""`python configure.py`: config -> scan -> graph -> build.ninja.

Runs on every regeneration, so it stays cheap: conf.py is evaluated only
when it changed (sphinxconf caches it), and every file it writes is written
only when its bytes change, so that an unchanged result triggers nothing.
"""

import argparse
import glob
import json
import os
import subprocess
import sys

from docbuild import config as config_mod
from docbuild import attach, buildinfo, content, images, matrix, overview, site, sphinxconf, variants
from docbuild.errors import UserError, UserErrors, _short, report
from docbuild.formats import EDGE_ORDER, FORMATS, SHARED_READ
from docbuild.graph import Graph, as_warning
from docbuild.kinds import kind_of
from docbuild.ninja_file import TEMPLATE, check_target_name, render
from docbuild.paths import DEPFILE_UNSAFE, check_name, component, depfile_safe, spell, write_atomic, write_if_changed
from docbuild.scan import find_sources

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
OWN_DOCS = os.path.join(os.path.dirname(PACKAGE_DIR), "docs")
# Where configure looks for a project when --source is not given.
SOURCE_GUESSES = [".", "docs", "doc", "source", "docs/source", "doc/source"]


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


def find_source(given):
    if given is not None:
        if not os.path.isdir(given):
            raise UserError(f"the source folder {given} does not exist",
                            hint="pass --source the folder that holds your conf.py")
        if not os.path.isfile(os.path.join(given, "conf.py")):
            raise UserError(f"{given} has no conf.py, so it is not a Sphinx project",
                            hint="pass --source the folder that holds conf.py "
                                 "(often docs/ or docs/source/)")
        return os.path.abspath(given)
    for guess in SOURCE_GUESSES:
        if os.path.isfile(os.path.join(guess, "conf.py")):
            return os.path.abspath(guess)
    if os.path.isfile(os.path.join(OWN_DOCS, "conf.py")):
        if os.path.abspath(os.path.dirname(OWN_DOCS)) != os.getcwd():
            tried = ", ".join(f"{guess}/" for guess in SOURCE_GUESSES[1:])
            print(f"docbuild: no conf.py here or in {tried}: configuring "
                  f"docbuild's own manual ({OWN_DOCS}); pass --source DIR for yours", file=sys.stderr)
        return OWN_DOCS
    raise UserError("no Sphinx project (conf.py) found here",
                    hint="pass --source DIR, the folder that holds conf.py")


def check_build_dir(build_dir, srcdir, top, where):
    """A build dir that ninja can name, and that is not among the sources.

    A build dir inside the source folder is fine (the scan leaves it out);
    the source folder itself, or a folder that contains it, would put the
    outputs (html/, gen/, logs/ ...) among the sources or beside them.
    """
    hint = "choose another with --build-dir, or `build_dir:` in docbuild.yaml"
    try:
        check_name(build_dir)
    except UserError as exc:
        raise UserError(exc.message.replace("the file name", "the build dir", 1), where=where,
                        hint=hint) from None
    spelled = spell(build_dir, top)
    if not depfile_safe(spelled):
        bad = "".join(sorted(set(spelled) & DEPFILE_UNSAFE))
        raise UserError(f"the build dir {spelled} contains {bad!r}, which ninja cannot read back "
                        "from a depfile", where=where, hint=hint)
    real, source = os.path.realpath(build_dir), os.path.realpath(srcdir)
    if source == real or source.startswith(real.rstrip(os.sep) + os.sep):
        what = "is the source folder" if source == real else f"contains the source folder {srcdir}"
        raise UserError(f"the build dir {build_dir} {what}: docbuild would write its outputs "
                        "among your files", where=where,
                        hint=f"{hint}; a folder of its own such as build/ (inside the source folder is fine)")


def prepare_build_dir(build_dir):
    """Create the build dir's folders, or say clearly why it cannot be written."""
    try:
        for sub in ("", "logs", "stamps", ".docbuild"):
            os.makedirs(os.path.join(build_dir, sub), exist_ok=True)
        probe = os.path.join(build_dir, ".docbuild", f"probe{os.getpid()}")
        with open(probe, "w"):
            pass
        os.unlink(probe)
    except OSError as exc:
        raise UserError(f"cannot write to the build dir {build_dir}: {exc.strerror}",
                        hint="choose another with --build-dir, or `build_dir:` in docbuild.yaml")


def asset_dirs(confdir, values):
    """Folders of templates, static and extra files that conf.py names."""
    dirs = []
    for key in ("templates_path", "html_static_path", "html_extra_path", "html_theme_path"):
        for entry in values.get(key) or []:
            if isinstance(entry, str):
                path = os.path.normpath(os.path.join(confdir, entry))
                if os.path.isdir(path):
                    dirs.append(path)
    return dirs


def walk_files(dirs):
    """(folders, files) below each of `dirs`, hidden ones left out."""
    folders, files = [], []
    for top in dirs:
        for root, subdirs, names in os.walk(top):
            subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
            folders.append(root)
            files += [os.path.join(root, n) for n in sorted(names) if not n.startswith(".")]
    return folders, files


def build_values(cfg, values, srcdir):
    """The values {{name}} can take in structured content: globals, then build values."""
    out = {"version": cfg.version or str(values.get("version") or values.get("release") or ""),
           "branch": cfg.branch or git_branch(srcdir) or ""}
    out.update(cfg.replacements)
    return out


def git_head(folder):
    """The .git/HEAD file of the repository `folder` is in (worktrees too), or None."""
    found = buildinfo.git_dir(folder)
    return os.path.join(found[0], "HEAD") if found else None


def git_branch(folder):
    """The checked-out branch, read from .git/HEAD (no git process needed)."""
    head = git_head(folder)
    try:
        with open(head, encoding="utf-8") as f:
            text = f.read().strip()
    except (OSError, TypeError):
        return None
    return text[len("ref: refs/heads/"):] if text.startswith("ref: refs/heads/") else None


def buildinfo_edge(srcdir, gen_dirs, generated):
    """giza's includes/hash.rst (the git commit), in every gen dir, when the
    source is in a git repository and has no includes/hash.rst of its own."""
    own = os.path.join(srcdir, "includes", "hash.rst")
    inputs = buildinfo.repo_files(srcdir)
    if not inputs or os.path.exists(own) or own in generated:
        return None
    outputs = [os.path.join(g, "includes", "hash.rst") for g in gen_dirs]
    generated[own] = outputs[0]
    return {"outputs": outputs, "inputs": inputs}


def overview_edge(srcdir, gen_dirs, generated, docs):
    """giza's includes/generated/overview.rst, when the source has meta/ and
    includes/metadata.yaml: its inputs are every page and every file of includes/."""
    settings = overview.planned(srcdir)
    own = os.path.join(srcdir, "includes", "generated", "overview.rst")
    if not settings or os.path.exists(own) or own in generated:
        return None
    outputs = [os.path.join(g, "includes", "generated", "overview.rst") for g in gen_dirs]
    generated[own] = outputs[0]
    files = sorted({os.path.join(srcdir, d) for d in docs}
                   | set(overview.walk(os.path.join(srcdir, "includes"))))
    return {"outputs": outputs, "inputs": files}


def generator_rows(plan, group_size, top, gen_dir, stem_dir, globals_file):
    """Generate edges with their exact outputs, one per group of source files.

    A process per file costs more in start-up (~0.15 s) than the work it does
    (see benchmarks/content.py), so files are generated `group_size` at a
    time (by default two groups per core).  An edit reruns its group, where
    the generator skips every file whose inputs did not change, and restat
    keeps everything downstream of unchanged outputs idle.
    """
    rows = []
    sources = sorted(plan)
    gen = spell(gen_dir, top)
    for number, start in enumerate(range(0, len(sources), group_size)):
        group = sources[start:start + group_size]
        stem = os.path.join(stem_dir, f"group-{number:04d}")
        # Outputs are normalised relative paths: joined to the spelled gen
        # dir they are spelled already (spell() per file costs ~0.1 s per 10,000).
        spelled = [spell(s, top) for s in group]
        owners = {os.path.join(gen, out): name for source, name in zip(group, spelled)
                  for out in plan[source]}
        rows.append({
            "sources": spelled,
            "names": spell(stem + ".names", top),
            "depfile": spell(stem + ".d", top),
            "log": spell(stem + ".log", top),
            "outputs": list(owners),
            "owners": owners,
            "globals": spell(globals_file, top),
            "extra": ["--gen", gen, "--globals", spell(globals_file, top)],
        })
    return rows


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


def attach_lists(rows, plan, cache, top):
    """A group with extracts files also writes their pages (docbuild.attach):
    build.ninja depends on that list, so an edited `append:` reruns configure.
    Written here first, as the generator will, so that nothing reruns."""
    by_spelling = {spell(p, top): p for p in plan}
    for row in rows:
        sources = [by_spelling[s] for s in row["sources"]]
        if not any((kind_of(os.path.basename(p)) or ("",))[0] == "extracts" for p in sources):
            continue
        row["attach"] = row["names"][:-len(".names")] + attach.TRIGGER
        row["extra"] = [*row["extra"], "--attach-list", row["attach"]]
        write_if_changed(os.path.join(top, row["attach"]), attach.trigger_text(
            [e for p in sources for e in cache[p].get("attach", [])]))


def format_rows(cfg, top, srcdir, build_dir, all_variants, setup):
    """One row per variant x format (and each variant's shared `read` step).

    `setup` maps a variant's suffix to what its Sphinx runs share: inputs,
    order-only inputs, gen dir, extra sphinx-build options (tags, language)
    and the --variant settings docbuild's extension applies.
    """
    rows = []
    b = lambda *parts: spell(os.path.join(build_dir, *parts), top)  # noqa: E731

    def sphinx_row(name, fmt, builder, variant, extra_inputs=(), extra_args=()):
        own = setup[variant.suffix]
        total, idle = cfg.timeout(fmt)
        return {
            "name": name, "format": fmt, "builder": builder, "variant": variant,
            "limits": ["--timeout", f"{total:g}", "--idle", f"{idle:g}"],
            "stamp": b("stamps", f"{name}.stamp"), "log": b("logs", f"{name}.log"),
            "depfile": b("stamps", f"{name}.d"),
            "inputs": [*own["inputs"], *extra_inputs], "order_only": own["order_only"],
            "sphinx_args": [
                "--srcdir", spell(srcdir, top), "--confdir", spell(srcdir, top),
                "--outdir", b(name), "--doctreedir", b("doctrees", name),
                "--build-dir", spell(build_dir, top), "--gen", spell(own["gen"], top),
                "--jobs", str(cfg.sphinx_jobs), *own["step_args"], *extra_args,
                "--", *own["options"], *cfg.sphinx_options,
            ],
        }

    for variant in all_variants:
        read = variants.target("read", variant)
        if cfg.read_once:
            # Reads every source into build/doctrees/read; writes nothing.
            rows.append(sphinx_row(read, "read", "dummy", variant))
        for fmt_name in EDGE_ORDER:
            fmt = FORMATS[fmt_name]
            if not variants.builds(fmt_name, variant):
                continue
            name = variants.target(fmt_name, variant)
            if fmt.builder and cfg.read_once and fmt_name in SHARED_READ:
                rows.append(sphinx_row(name, fmt_name, fmt.builder, variant, [b("stamps", f"{read}.stamp")],
                                       ["--doctrees-from", b("doctrees", read)]))
            elif fmt.builder:
                rows.append(sphinx_row(name, fmt_name, fmt.builder, variant))
            else:
                total, idle = cfg.timeout(fmt_name)
                after = variants.target(fmt.after, variant)
                rows.append({
                    "name": name, "format": fmt_name, "builder": None, "variant": variant,
                    "limits": ["--timeout", f"{total:g}", "--idle", f"{idle:g}"],
                    "stamp": b("stamps", f"{name}.stamp"), "log": b("logs", f"{name}.log"),
                    "after_stamp": b("stamps", f"{after}.stamp"), "dir": b(after),
                })
    return rows


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
    """The steps reports look at: stamp, log and (for Sphinx) doctree dir."""
    steps = []
    for row in rows:
        steps.append({"name": row["name"], "stamp": os.path.abspath(row["stamp"]),
                      "log": os.path.abspath(row["log"]),
                      "doctrees": os.path.join(build_dir, "doctrees", row["name"]) if row["builder"] else None})
    for name in ["stage", *(f"publish-{d}" for d in publish["destinations"])]:
        steps.append({"name": name, "stamp": os.path.join(build_dir, "stamps", f"{name}.stamp"),
                      "log": os.path.join(build_dir, "logs", f"{name}.log"), "doctrees": None})
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


def restat(top, manifest, sources_list):
    """After configure ran by hand, record the new mtimes in ninja's log.

    Otherwise ninja believes the regeneration edge is out of date and runs
    configure once more on the next build (see shared/ninja-sphinx-facts).
    `ninja -t restat` records build.ninja's fresh mtime; the sources list is
    rewritten only when it changed (the Sphinx edges depend on it), so its
    entry gets build.ninja's mtime too: both outputs are as new as this run.
    """
    from docbuild.ninja_tool import ninja_binary

    subprocess.call([ninja_binary(), "-t", "restat", manifest], cwd=top,
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    log = os.path.join(top, ".ninja_log")
    try:
        with open(log, encoding="utf-8", errors="surrogateescape") as f:
            lines = f.read().splitlines()
    except OSError:
        return
    if not lines or not lines[0].startswith("# ninja log v"):
        return
    entry = next((line.split("\t") for line in reversed(lines)
                  if line.split("\t")[3:4] == [manifest]), None)
    if entry and len(entry) == 5:
        entry[3] = sources_list
        with open(log, "a", encoding="utf-8", errors="surrogateescape") as f:
            f.write("\t".join(entry) + "\n")


def load_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def waiting_outputs(srcdir, plan):
    """({absolute path: source}, {absolute folder: source}): what each
    structured source with errors would generate (see content.expected_outputs)."""
    waiting, folders = {}, {}
    for source in content.discover(srcdir):
        if source not in plan:
            outs, dirs = content.expected_outputs(srcdir, source)
            for out in outs:
                waiting.setdefault(os.path.join(srcdir, out), source)
            for folder in dirs:
                folders.setdefault(os.path.join(srcdir, folder) + os.sep, source)
    return waiting, folders


def include_errors(srcdir, graph, waiting, folders, generated):
    """(missing includes, includes that wait for a source with errors), each
    in file and line order.

    An include of a file that a source with errors would generate needs no
    fix of its own: each such source gets one error, at the first include
    that waits for it, with the number of others.  (Those are errors with
    the source's own; a plain missing include may be a warning.)
    """
    problems, sites, waits = list(graph.problems), {}, []  # sites: (source, sure) -> [(page, line, target)]
    missing = {p.where: p for p in problems}
    for page, edges in sorted(graph.edges.items()) if waiting or folders else ():
        for kind, target, line in edges:
            if kind != "include" or target in generated:
                continue
            source, sure = waiting.get(target), True
            if source is None and (page, line) in missing:
                # A file that could not be read: its folder stands for its outputs.
                source, sure = next((s for f, s in folders.items() if target.startswith(f)), None), False
                if source is not None:
                    problems.remove(missing[(page, line)])
            if source is not None:
                sites.setdefault((source, sure), []).append((page, line, target))
    for (source, sure), found in sorted(sites.items()):
        page, line, target = found[0]
        more = len(found) - 1
        more = (f"; {more} more includes of its outputs wait for it" if more > 1 else
                "; 1 more include of its outputs waits for it" if more else "")
        target = "/" + os.path.relpath(target, srcdir)
        message = (f"the included file {target} is not generated: {_short(source)} has errors{more}"
                   if sure else f"the included file {target} does not exist; {_short(source)} "
                                f"may generate it, but cannot be read{more.replace('its outputs', 'them')}")
        waits.append(UserError(message, where=(page, line), hint="fix the errors reported for that file"))
    order = lambda p: (str(p.where[0]), p.where[1] or 0)  # noqa: E731
    return sorted(problems, key=order), sorted(waits, key=order)


def configure(args):
    top = os.getcwd()
    srcdir = find_source(args.source)
    cfg = config_mod.load(config_mod.find_config(srcdir, args.config))
    if args.ci or cfg.ci:
        # Warnings fail the build; -n (nitpicky) when configured.
        extra = ["--fail-on-warning"] + (["-n"] if cfg.nitpicky else [])
        cfg.sphinx_options = [*extra, *(o for o in cfg.sphinx_options if o not in extra)]
    build_dir = os.path.abspath(args.build_dir or cfg.build_dir)
    check_build_dir(build_dir, srcdir, top, None if args.build_dir else
                    (cfg.path, cfg.lines.of("build_dir")) if cfg.path else None)
    prepare_build_dir(build_dir)

    values, conf_error = sphinxconf.read(srcdir, build_dir)
    source_language = str(values.get("language") or "en")
    if cfg.languages:  # it names targets (html-en) and folders
        try:
            component(check_target_name(source_language))
        except UserError as exc:
            raise UserError(f"conf.py's language {source_language!r} cannot name a target "
                            "or a folder", where=os.path.join(srcdir, "conf.py"), hint=exc.hint) from None
    all_variants = variants.variants(cfg, source_language)
    variants.check_targets(cfg.default, all_variants, list(FORMATS),
                           (cfg.path, cfg.lines.of("default") if cfg.lines else None))
    if args.matrix:  # the CI jobs (docbuild/matrix.py)
        return {"matrix": matrix.plan(matrix.jobs(cfg, all_variants), args.group)}
    project = find_sources(srcdir, values["source_suffix"], values["exclude_patterns"],
                           values["include_patterns"], skip=[build_dir])
    variants.check_excludes(cfg, srcdir, project.files)
    meta = os.path.join(build_dir, ".docbuild")
    gen_dir = os.path.join(build_dir, "gen")
    # Each edition generates its own copy of the structured content (its
    # replacements and `edition:` documents differ): build/gen/<edition>.
    editions = list(cfg.editions) or [None]
    gen_dirs = {e: os.path.join(gen_dir, e) if e else gen_dir for e in editions}
    root = top if srcdir.startswith(top + os.sep) else os.path.dirname(srcdir)
    globals_ = build_values(cfg, values, srcdir)
    content_cache = os.path.join(meta, "content-cache.json")
    declared = {content.EDITIONS_KEY: list(cfg.editions)}
    # Every phase below reports all it finds, and the phases after the
    # content still run when it has errors: one run lists every problem.
    problems = []
    plan, next_cache = content.plan(srcdir, root, {**globals_, **declared}, load_json(content_cache),
                                    errors=problems)
    redirect_outputs = []
    if cfg.redirects:
        try:
            project_content = content.Project(srcdir, root, globals_)
            redirect_outputs = content.outputs("redirects", "", project_content.documents(
                cfg.redirects, "redirects"))
        except UserError as exc:
            content.add_errors(problems, exc)
    write_if_changed(content_cache, json.dumps(next_cache))
    # Extracts appended or prepended to pages: the map the Sphinx steps read.
    attach_map, attach_errors = attach.page_map(
        [e for path in sorted(plan) for e in next_cache[path].get("attach", [])],
        project.docs, values["source_suffix"])
    attach.check(attach_errors)
    generated = {os.path.join(srcdir, out): os.path.join(gen_dirs[editions[0]], out)
                 for outs in plan.values() for out in outs}
    try:
        image_edges, image_files = images.plan(srcdir, [gen_dirs[e] for e in editions], meta,
                                               str(values.get("html_baseurl") or ""), globals_["branch"])
    except UserError as exc:  # reported with the other errors of this run
        content.add_errors(problems, exc)
        image_edges, image_files = [], {}
    generated.update(image_files)
    info = buildinfo_edge(srcdir, [gen_dirs[e] for e in editions], generated)
    includes_overview = overview_edge(srcdir, [gen_dirs[e] for e in editions], generated, project.docs)
    # What the files with errors would generate: an include of one of those
    # is reported as waiting for that file, not as a mistake of its own.
    waiting, folders = waiting_outputs(srcdir, plan) if problems else ({}, {})

    # -2: the scan of comments and MyST changed, so older entries do not hold.
    cache_file = os.path.join(meta, "scan-cache-2.json")
    graph = Graph(srcdir, project.docs, values["source_suffix"], generated={**waiting, **generated},
                  cache=load_json(cache_file))
    write_if_changed(cache_file, json.dumps(graph.cache))
    missing, waits = include_errors(srcdir, graph, waiting, folders, generated)
    # A missing include is the project's business: sphinx-build warns and
    # builds (an extension may even write the file at build time).  CI
    # mode, or `missing_includes: error`, makes it an error.
    if (cfg.missing_includes or ("error" if args.ci or cfg.ci else "warning")) == "error":
        problems += sorted(missing + waits, key=lambda p: (str(p.where[0]), p.where[1] or 0))
    else:
        for problem in missing:
            print(f"docbuild: {as_warning(problem)}", file=sys.stderr, flush=True)
        problems += waits
    # The Sphinx edges depend on each missing include through a phony edge
    # (its mtime is conf.py's while the file is missing), so that a file
    # that appears makes them run; the sources list names them too, for
    # when the file appears where configure runs again first.
    # (A folder named in an include is not missing: it is a regeneration input.)
    absent = [spell(p, top) for p in sorted(graph.missing) if not os.path.exists(p)]

    asset_folders, asset_files = walk_files(asset_dirs(srcdir, values))
    sources = sorted({os.path.join(srcdir, d) for d in project.docs} | set(asset_files))
    for path in sources + project.dirs:
        try:
            check_name(path, where=path)
        except UserError as exc:
            problems.append(exc)
    if problems:
        raise UserErrors(problems)
    sources_list = os.path.join(meta, "sources.list")
    conf_py = os.path.join(srcdir, "conf.py")

    regen_inputs = [conf_py, TEMPLATE, *sorted(glob.glob(os.path.join(PACKAGE_DIR, "*.py")))]
    if cfg.path:
        regen_inputs.append(cfg.path)
    regen_inputs += project.dirs + asset_folders
    if cfg.templates:
        regen_inputs.append(cfg.templates)
    if images.metadata_file(srcdir):  # an image's entry edited: its spec, then its edge
        regen_inputs.append(images.metadata_file(srcdir))
    head = git_head(srcdir)
    if not cfg.branch and head and os.path.isfile(head):
        regen_inputs.append(head)  # a checkout changes {{branch}}

    # Translations: each language's catalogs are compiled into the build dir.
    catalog_edges, catalog_outputs = [], {}
    locales_dir = os.path.join(build_dir, "locales")
    locale_folders = variants.locale_dirs(srcdir, values)
    for lang in cfg.languages:
        found, folders = variants.catalogs(cfg, locale_folders, lang)
        regen_inputs += folders  # a .po file added or removed
        outs, files = [], []
        for po, index, rel in found:
            out = os.path.join(locales_dir, str(index), lang, rel)
            outs += [out, out[:-3] + ".mo"]
            files += [spell(po, top), str(index), rel]
        catalog_outputs[lang] = outs
        if found:
            catalog_edges.append({
                "outputs": [spell(o, top) for o in outs], "inputs": [spell(po, top) for po, _, _ in found],
                "lang": lang, "log": spell(os.path.join(build_dir, "logs", f"catalogs-{lang}.log"), top),
                "args": ["--out", spell(locales_dir, top), "--lang", lang, "--", *files]})
    # _static and _templates are asset folders and source folders at once.
    regen_inputs = list(dict.fromkeys(regen_inputs))
    # A folder the build writes into (build.ninja's own, the build dir's
    # parents) changes with every build: as an input it would re-run
    # configure forever.  A file added directly in it waits for a configure.
    written = {os.path.abspath(top)}
    folder = os.path.abspath(build_dir)
    while folder.startswith(os.path.abspath(top) + os.sep):
        folder = os.path.dirname(folder)
        written.add(folder)
    unwatched = [d for d in regen_inputs if os.path.abspath(d) in written]
    regen_inputs = [d for d in regen_inputs if os.path.abspath(d) not in written]

    group_size = cfg.content_group_size or max(1, -(-len(plan) // (2 * config_mod.machine()[0])))
    generators, globals_files, names_by_edition = [], {}, {}
    for edition in editions:
        # An unknown {{name}} warns, and fails a CI build (content.UNKNOWN_KEY).
        own_values = {**globals_, **declared, content.UNKNOWN_KEY: "error" if args.ci or cfg.ci else "warn"}
        if edition:
            own_values.update(cfg.editions[edition]["replacements"])
            own_values["edition"] = edition
        globals_files[edition] = os.path.join(
            meta, f"content-globals-{edition}.json" if edition else "content-globals.json")
        write_if_changed(globals_files[edition], json.dumps(own_values, sort_keys=True))
        rows = generator_rows(plan, group_size, top, gen_dirs[edition],
                              os.path.join(meta, "gen", edition) if edition else os.path.join(meta, "gen"),
                              globals_files[edition])
        names_by_edition[edition] = [g["names"] for g in rows]
        attach_lists(rows, plan, next_cache, top)
        generators += rows
    if cfg.redirects:
        redirects_dir = os.path.join(build_dir, "redirects")
        stem = os.path.join(meta, "redirects")
        generators.append({
            "sources": [spell(cfg.redirects, top)], "names": spell(stem + ".names", top),
            "depfile": spell(stem + ".d", top), "log": spell(stem + ".log", top),
            "globals": spell(globals_files[editions[0]], top),
            "outputs": [spell(os.path.join(redirects_dir, o), top) for o in redirect_outputs],
            "extra": ["--kind", "redirects", "--out", spell(redirects_dir, top),
                      "--globals", spell(globals_files[editions[0]], top)],
        })
    generate_args = ["--srcdir", spell(srcdir, top), "--root", spell(root, top)]
    if cfg.templates:
        generate_args += ["--templates", spell(cfg.templates, top)]

    configure_args = ["--source", spell(srcdir, top)]
    if args.config:
        configure_args += ["--config", spell(args.config, top)]
    if args.build_dir:
        configure_args += ["--build-dir", spell(args.build_dir, top)]
    if args.ci:
        configure_args.append("--ci")

    setup = variant_setup(cfg, top, srcdir, all_variants, globals_, locale_folders, gen_dirs,
                          sorted(graph.used_generated), names_by_edition, catalog_outputs, locales_dir,
                          [spell(sources_list, top), spell(conf_py, top), *absent])
    attach_file = os.path.join(meta, "attach.json")
    if attach.write_map(attach_file, attach_map):
        for own in setup.values():  # .docbuild is no input a depfile names: listed here
            own["inputs"].append(spell(attach_file, top))
            own["step_args"] = [*own["step_args"], "--attach", spell(attach_file, top)]
    rows = format_rows(cfg, top, srcdir, build_dir, all_variants, setup)

    redirects_dir = os.path.join(build_dir, "redirects") if cfg.redirects else None
    dist, stage, publish = site.plan(cfg, {**values, "branch": globals_["branch"],
                                           "version": globals_["version"]}, build_dir, redirects_dir,
                                     all_variants)
    stage_file = site.write_plans(meta, stage, publish)
    stage_inputs = stage["inputs"] + [stage_file] + (
        [os.path.join(meta, "redirects.names")] if cfg.redirects else [])

    help_file = os.path.join(meta, "help.txt")
    project_name = values.get("project") or os.path.basename(srcdir)
    all_targets = [n for n in FORMATS if n in cfg.formats]
    context = dict(
        project=project_name,
        build_dir=spell(build_dir, top),
        python=sys.executable,
        pool_depth=cfg.sphinx_pool_depth,
        jobs=cfg.sphinx_jobs,
        configure_args=configure_args,
        sources_list=spell(sources_list, top),
        regen_inputs=[spell(p, top) for p in regen_inputs],
        absent_includes=absent,
        conf_py=spell(conf_py, top),
        # A source that disappears must make its edges dirty, not stop ninja.
        may_vanish=list(dict.fromkeys([spell(p, top) for p in regen_inputs]
                                      + [s for g in generators for s in g["sources"]]
                                      + [i for c in catalog_edges for i in c["inputs"]])),
        formats=rows,
        aliases=aliases(rows),
        catalogs=catalog_edges,
        generators=generators,
        generate_args=generate_args,
        generate_limits=["--timeout", f"{cfg.timeout('generate')[0]:g}",
                         "--idle", f"{cfg.timeout('generate')[1]:g}"],
        all_targets=all_targets,
        default_targets=cfg.default,
        help_file=spell(help_file, top),
        dist=[{**d, "out": spell(d["out"], top), "input": spell(d["input"], top),
               "log": spell(os.path.join(build_dir, "logs", d["step"] + ".log"), top),
               "args": [spell(a, top) if os.path.isabs(a) else a for a in d["args"]]} for d in dist],
        stage={"stamp": spell(os.path.join(build_dir, "stamps", "stage.stamp"), top),
               "log": spell(os.path.join(build_dir, "logs", "stage.log"), top),
               "plan": spell(stage_file, top), "inputs": [spell(p, top) for p in stage_inputs]},
        publish_plan=spell(os.path.join(meta, "publish.json"), top),
        destinations=[{"name": n, "stamp": spell(os.path.join(build_dir, "stamps", f"publish-{n}.stamp"), top),
                       "log": spell(os.path.join(build_dir, "logs", f"publish-{n}.log"), top)}
                      for n in publish["destinations"]],
        default_destination=publish["default"],
        build_dir_arg=spell(build_dir, top),
        timing_trace=spell(os.path.join(build_dir, "timing.json"), top),
        timing_html=spell(os.path.join(build_dir, "timing.html"), top),
        images=[{"name": i["name"], "svg": spell(i["svg"], top), "spec": spell(i["spec"], top),
                 "outputs": [spell(o, top) for o in i["outputs"]],
                 "log": spell(os.path.join(build_dir, "logs", "images", i["name"] + ".log"), top)}
                for i in image_edges],
        image_template=spell(images.TEMPLATE, top),
        overview=includes_overview and {
            "outputs": [spell(o, top) for o in includes_overview["outputs"]],
            "inputs": [spell(i, top) for i in includes_overview["inputs"]],
            "args": ["--srcdir", spell(srcdir, top), "--skip", spell(build_dir, top),
                     *(spell(o, top) for o in includes_overview["outputs"])],
            "log": spell(os.path.join(build_dir, "logs", "overview.log"), top)},
        buildinfo=info and {"outputs": [spell(o, top) for o in info["outputs"]],
                            "inputs": [spell(i, top) for i in info["inputs"]],
                            "repo": spell(srcdir, top),
                            "log": spell(os.path.join(build_dir, "logs", "buildinfo.log"), top)},
    )
    text = render(cache_dir=os.path.join(meta, "jinja"), **context)
    # Before the regeneration edge's outputs, so that they are newer.
    prewrite_names(generators, top)
    # The sources list changes exactly when a document is added or removed:
    # the Sphinx edges depend on it, so new pages appear without a manual step.
    write_if_changed(sources_list, "".join(spell(p, top) + "\n" for p in sources)
                     + "".join(f"missing include: {p}\n" for p in absent))
    write_if_changed(help_file, help_text(cfg, project_name, all_variants))
    write_if_changed(os.path.join(meta, "steps.json"), json.dumps(
        step_list(rows, build_dir, publish), indent=0))
    matrix.write_jobs(meta, matrix.jobs(cfg, all_variants))
    write_if_changed(os.path.join(meta, "catalogs.json"), json.dumps({
        "languages": cfg.languages, "project": project_name, "version": globals_["version"],
        "locale_dir": locale_folders[0],
        "gettext_targets": [r["name"] for r in rows if r["format"] == "gettext"],
        "gettext_dirs": [os.path.join(build_dir, r["name"]) for r in rows if r["format"] == "gettext"],
    }, indent=1))
    remove_stale(gen_dir, gen_dirs.values(), plan, os.path.join(meta, "gen"), top,
                 [g["names"] for g in generators])
    write_if_changed(os.path.join(meta, "graph.json"), json.dumps(graph.to_json()))
    build_ninja = os.path.join(top, "build.ninja")
    changed = write_if_changed(build_ninja, text)
    if not changed and not args.regenerate:
        # Run by hand: give build.ninja a fresh mtime (by rewriting it), so
        # that it is newer than the inputs that changed since the last run and
        # ninja does not run configure again.
        write_atomic(build_ninja, text)
    if not args.regenerate and os.path.exists(os.path.join(top, ".ninja_log")):
        restat(top, "build.ninja", spell(sources_list, top))
    return {
        "srcdir": srcdir, "docs": len(project.docs), "changed": changed,
        "conf_error": conf_error, "build_dir": build_dir, "context": context,
        "left_out": stage["left_out"],
        "unwatched": unwatched,
    }


def variant_setup(cfg, top, srcdir, all_variants, globals_, locale_folders, gen_dirs, used_generated,
                  names_by_edition, catalog_outputs, locales_dir, common_inputs):
    """{suffix: what every Sphinx run of that variant shares} (see format_rows)."""
    setup = {}
    for v in all_variants:
        gen = gen_dirs[v.edition]
        spelled_gen, cut = spell(gen, top), len(srcdir) + 1
        inputs = [*common_inputs, *(os.path.join(spelled_gen, p[cut:]) for p in used_generated)]
        options = [arg for tag in v.tags for arg in ("-t", tag)]
        settings = {}
        if v.exclude:
            settings["exclude"] = variants.exclude_patterns(v)
        if v.translated:
            options += ["-D", f"language={v.lang}"]
            inputs += [spell(p, top) for p in catalog_outputs.get(v.lang, [])]
            settings["locale_dirs"] = [os.path.join(locales_dir, str(i)) for i in range(len(locale_folders))]
        if v.suffix or cfg.versions:
            # For templates: a version switcher, an edition or language menu.
            settings["context"] = {"docbuild_version": globals_["version"],
                                   "docbuild_versions": cfg.versions,
                                   "docbuild_edition": v.edition or "",
                                   "docbuild_language": v.lang or "",
                                   "docbuild_variant": v.suffix}
        setup[v.suffix] = {
            "inputs": inputs, "order_only": names_by_edition[v.edition], "gen": gen,
            "options": options,
            "step_args": ["--variant", json.dumps(settings, sort_keys=True)] if settings else [],
        }
    return setup


def main(argv=None, prog="python configure.py"):
    args = parser(prog).parse_args(argv)
    try:
        result = configure(args)
    except UserError as exc:
        report(exc)
        return 1
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
