"""The plan of a build: what configure found, before anything is written.

configure (docbuild/configure.py) is settings(args) -> plan(settings) ->
write(plan).  This module holds the first two: settings() reads the command
line, docbuild.yaml, conf.py and the variants; plan() calls one planner per
part of build.ninja, each taking the records the earlier ones returned and
returning its own.  A planner writes nothing but its own cache (the scan,
the content, conf.py's values, the image specs), so each reports every
error it finds and one run lists them all; the files the steps read are
written by configure.write().
"""

import glob
import json
import os
import sys
import types

from docbuild import config as config_mod
from docbuild import attach, buildinfo, content, images, overview, site, sphinxconf, variants
from docbuild.errors import UserError, UserErrors, _short
from docbuild.formats import EDGE_ORDER, FORMATS, SHARED_READ
from docbuild.graph import Graph, as_warning
from docbuild.kinds import kind_of
from docbuild.ninja_file import TEMPLATE, check_target_name
from docbuild.paths import DEPFILE_UNSAFE, BuildDir, check_name, component, depfile_safe, spell, write_if_changed
from docbuild.scan import find_sources

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
OWN_DOCS = os.path.join(os.path.dirname(PACKAGE_DIR), "docs")
# Where configure looks for a project when --source is not given.
SOURCE_GUESSES = [".", "docs", "doc", "source", "docs/source", "doc/source"]


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
        for folder in BuildDir(build_dir).created():
            os.makedirs(folder, exist_ok=True)
        probe = BuildDir(build_dir).state(f"probe{os.getpid()}")
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


def attach_lists(rows, plan, cache, top):
    """A group with extracts files also writes their pages (docbuild.attach):
    build.ninja depends on that list, so an edited `append:` reruns configure.
    Returns {path: text} of the lists, which configure writes first, as the
    generator will, so that nothing reruns."""
    by_spelling, lists = {spell(p, top): p for p in plan}, {}
    for row in rows:
        sources = [by_spelling[s] for s in row["sources"]]
        if not any((kind_of(os.path.basename(p)) or ("",))[0] == "extracts" for p in sources):
            continue
        row["attach"] = row["names"][:-len(".names")] + attach.TRIGGER
        row["extra"] = [*row["extra"], "--attach-list", row["attach"]]
        lists[os.path.join(top, row["attach"])] = attach.trigger_text(
            [e for p in sources for e in cache[p].get("attach", [])])
    return lists


def format_rows(cfg, top, srcdir, build_dir, all_variants, setup):
    """One row per variant x format (and each variant's shared `read` step).

    `setup` maps a variant's suffix to what its Sphinx runs share: inputs,
    order-only inputs, gen dir, extra sphinx-build options (tags, language)
    and the --variant settings docbuild's extension applies.
    """
    rows = []
    bd = BuildDir(build_dir)

    def sphinx_row(name, fmt, builder, variant, extra_inputs=(), extra_args=()):
        own = setup[variant.suffix]
        total, idle = cfg.timeout(fmt)
        return {
            "name": name, "format": fmt, "builder": builder, "variant": variant,
            "limits": ["--timeout", f"{total:g}", "--idle", f"{idle:g}"],
            "stamp": spell(bd.stamp(name), top), "log": spell(bd.log(name), top),
            "depfile": spell(bd.depfile(name), top),
            "inputs": [*own["inputs"], *extra_inputs], "order_only": own["order_only"],
            "sphinx_args": [
                "--srcdir", spell(srcdir, top), "--confdir", spell(srcdir, top),
                "--outdir", spell(bd.output(name), top), "--doctreedir", spell(bd.doctrees(name), top),
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
                rows.append(sphinx_row(name, fmt_name, fmt.builder, variant, [spell(bd.stamp(read), top)],
                                       ["--doctrees-from", spell(bd.doctrees(read), top)]))
            elif fmt.builder:
                rows.append(sphinx_row(name, fmt_name, fmt.builder, variant))
            else:
                total, idle = cfg.timeout(fmt_name)
                after = variants.target(fmt.after, variant)
                rows.append({
                    "name": name, "format": fmt_name, "builder": None, "variant": variant,
                    "limits": ["--timeout", f"{total:g}", "--idle", f"{idle:g}"],
                    "stamp": spell(bd.stamp(name), top), "log": spell(bd.log(name), top),
                    "after_stamp": spell(bd.stamp(after), top), "dir": spell(bd.output(after), top),
                })
    return rows


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


class Record(types.SimpleNamespace):
    """What a planner found: named fields, nothing else."""


class Settings(Record):
    """The command line, docbuild.yaml, conf.py and the variants they make:
    args, top, srcdir, cfg, build (BuildDir), values, conf_error, variants,
    editions, gen_dirs ({edition: gen dir}), root (of `/` in structured content)."""


def plan(s):
    """The whole build, from its settings."""
    # Every planner reports all it finds, and the planners after the content
    # still run when it has errors: one run lists every problem.
    problems = []
    found = sources(s, problems)                  # documents, structured content, images, includes
    if problems:
        raise UserErrors(problems)
    catalogs = catalog_plan(s)                    # translations compiled into the build dir
    regen = regeneration_inputs(s, found, catalogs)  # what re-runs configure
    generators = generator_plan(s, found)         # generate edges, per edition
    rows = format_plan(s, found, generators, catalogs)  # one step per variant x format
    dist, stage, publish = site.plan(s.cfg, {**s.values, "branch": found.globals["branch"],
                                             "version": found.globals["version"]},
                                     s.build.root, s.build.redirects if s.cfg.redirects else None, s.variants)
    return Record(settings=s, sources=found, catalogs=catalogs, regen=regen, generators=generators,
                  rows=rows, dist=dist, stage=stage, publish=publish)


def settings(args):
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
    build = BuildDir(build_dir)
    # Each edition generates its own copy of the structured content (its
    # replacements and `edition:` documents differ): build/gen/<edition>.
    editions = list(cfg.editions) or [None]
    return Settings(args=args, top=top, srcdir=srcdir, cfg=cfg, build=build, values=values,
                    conf_error=conf_error, variants=all_variants, editions=editions,
                    gen_dirs={e: os.path.join(build.gen, e) if e else build.gen for e in editions},
                    root=top if srcdir.startswith(top + os.sep) else os.path.dirname(srcdir))


def sources(s, problems):
    """Every input of the Sphinx steps: documents, what structured content,
    images and giza's edges generate, the include graph, asset files."""
    values, build = s.values, s.build
    project = find_sources(s.srcdir, values["source_suffix"], values["exclude_patterns"],
                           values["include_patterns"], skip=[build.root])
    variants.check_excludes(s.cfg, s.srcdir, project.files)
    found = Record(project=project, **structured(s, project, problems))
    found.generated = {os.path.join(s.srcdir, out): os.path.join(s.gen_dirs[s.editions[0]], out)
                       for outs in found.content.values() for out in outs}
    gen_dirs = [s.gen_dirs[e] for e in s.editions]
    try:
        found.image_edges, image_files = images.plan(s.srcdir, gen_dirs, build.state(),
                                                     str(values.get("html_baseurl") or ""),
                                                     found.globals["branch"])
    except UserError as exc:  # reported with the other errors of this run
        content.add_errors(problems, exc)
        found.image_edges, image_files = [], {}
    found.generated.update(image_files)
    found.info = buildinfo_edge(s.srcdir, gen_dirs, found.generated)
    found.overview = overview_edge(s.srcdir, gen_dirs, found.generated, project.docs)
    includes(s, found, problems)
    found.asset_folders, asset_files = walk_files(asset_dirs(s.srcdir, values))
    found.sources = sorted({os.path.join(s.srcdir, d) for d in project.docs} | set(asset_files))
    for path in found.sources + project.dirs:
        try:
            check_name(path, where=path)
        except UserError as exc:
            problems.append(exc)
    return found


def structured(s, project, problems):
    """The structured content's plan ({source: outputs}), the redirects'
    outputs and the extracts attached to pages."""
    globals_ = build_values(s.cfg, s.values, s.srcdir)
    declared = {content.EDITIONS_KEY: list(s.cfg.editions)}
    content_cache = s.build.state("content-cache.json")
    planned, next_cache = content.plan(s.srcdir, s.root, {**globals_, **declared},
                                       load_json(content_cache), errors=problems)
    redirect_outputs = []
    if s.cfg.redirects:
        try:
            project_content = content.Project(s.srcdir, s.root, globals_)
            redirect_outputs = content.outputs("redirects", "", project_content.documents(
                s.cfg.redirects, "redirects"))
        except UserError as exc:
            content.add_errors(problems, exc)
    write_if_changed(content_cache, json.dumps(next_cache))
    # Extracts appended or prepended to pages: the map the Sphinx steps read.
    attach_map, attach_errors = attach.page_map(
        [e for path in sorted(planned) for e in next_cache[path].get("attach", [])],
        project.docs, s.values["source_suffix"])
    attach.check(attach_errors)
    return {"globals": globals_, "declared": declared, "content": planned, "cache": next_cache,
            "redirect_outputs": redirect_outputs, "attach_map": attach_map}


def includes(s, found, problems):
    """The include graph; its missing includes are errors or warnings."""
    # What the files with errors would generate: an include of one of those
    # is reported as waiting for that file, not as a mistake of its own.
    waiting, folders = waiting_outputs(s.srcdir, found.content) if problems else ({}, {})
    # -2: the scan of comments and MyST changed, so older entries do not hold.
    cache_file = s.build.state("scan-cache-2.json")
    graph = Graph(s.srcdir, found.project.docs, s.values["source_suffix"],
                  generated={**waiting, **found.generated}, cache=load_json(cache_file))
    write_if_changed(cache_file, json.dumps(graph.cache))
    missing, waits = include_errors(s.srcdir, graph, waiting, folders, found.generated)
    # A missing include is the project's business: sphinx-build warns and
    # builds (an extension may even write the file at build time).  CI
    # mode, or `missing_includes: error`, makes it an error.
    if (s.cfg.missing_includes or ("error" if s.args.ci or s.cfg.ci else "warning")) == "error":
        problems += sorted(missing + waits, key=lambda p: (str(p.where[0]), p.where[1] or 0))
    else:
        for problem in missing:
            print(f"docbuild: {as_warning(problem)}", file=sys.stderr, flush=True)
        problems += waits
    found.graph = graph
    # The Sphinx edges depend on each missing include through a phony edge
    # (its mtime is conf.py's while the file is missing), so that a file
    # that appears makes them run; the sources list names them too, for
    # when the file appears where configure runs again first.
    # (A folder named in an include is not missing: it is a regeneration input.)
    found.absent = [spell(p, s.top) for p in sorted(graph.missing) if not os.path.exists(p)]


def catalog_plan(s):
    """Translations: each language's catalogs are compiled into the build dir."""
    top, locales_dir = s.top, s.build.locales
    plan = Record(edges=[], outputs={}, folders=[], locale_folders=variants.locale_dirs(s.srcdir, s.values))
    for lang in s.cfg.languages:
        found, folders = variants.catalogs(s.cfg, plan.locale_folders, lang)
        plan.folders += folders  # a .po file added or removed re-runs configure
        outs, files = [], []
        for po, index, rel in found:
            out = os.path.join(locales_dir, str(index), lang, rel)
            outs += [out, out[:-3] + ".mo"]
            files += [spell(po, top), str(index), rel]
        plan.outputs[lang] = outs
        if found:
            plan.edges.append({
                "outputs": [spell(o, top) for o in outs], "inputs": [spell(po, top) for po, _, _ in found],
                "lang": lang, "log": spell(s.build.log(f"catalogs-{lang}"), top),
                "args": ["--out", spell(locales_dir, top), "--lang", lang, "--", *files]})
    return plan


def regeneration_inputs(s, found, catalogs):
    """(inputs of the regeneration edge, folders left out because the build writes them)."""
    cfg = s.cfg
    regen = [os.path.join(s.srcdir, "conf.py"), TEMPLATE, *sorted(glob.glob(os.path.join(PACKAGE_DIR, "*.py")))]
    if cfg.path:
        regen.append(cfg.path)
    regen += found.project.dirs + found.asset_folders
    if cfg.templates:
        regen.append(cfg.templates)
    if images.metadata_file(s.srcdir):  # an image's entry edited: its spec, then its edge
        regen.append(images.metadata_file(s.srcdir))
    head = git_head(s.srcdir)
    if not cfg.branch and head and os.path.isfile(head):
        regen.append(head)  # a checkout changes {{branch}}
    regen += catalogs.folders
    # _static and _templates are asset folders and source folders at once.
    regen = list(dict.fromkeys(regen))
    # A folder the build writes into (build.ninja's own, the build dir's
    # parents) changes with every build: as an input it would re-run
    # configure forever.  A file added directly in it waits for a configure.
    written = {os.path.abspath(s.top)}
    folder = s.build.root
    while folder.startswith(os.path.abspath(s.top) + os.sep):
        folder = os.path.dirname(folder)
        written.add(folder)
    return Record(inputs=[d for d in regen if os.path.abspath(d) not in written],
                  unwatched=[d for d in regen if os.path.abspath(d) in written])


def generator_plan(s, found):
    """The generate edges (a group of structured sources each, per edition,
    and the redirects) and the globals file of each edition."""
    cfg, top, build = s.cfg, s.top, s.build
    group_size = cfg.content_group_size or max(1, -(-len(found.content) // (2 * config_mod.machine()[0])))
    plan = Record(rows=[], globals_files={}, globals={}, names_by_edition={}, attach_lists={})
    for edition in s.editions:
        # An unknown {{name}} warns, and fails a CI build (content.UNKNOWN_KEY).
        own_values = {**found.globals, **found.declared,
                      content.UNKNOWN_KEY: "error" if s.args.ci or cfg.ci else "warn"}
        if edition:
            own_values.update(cfg.editions[edition]["replacements"])
            own_values["edition"] = edition
        globals_file = build.state(f"content-globals-{edition}.json" if edition else "content-globals.json")
        plan.globals_files[edition] = globals_file
        plan.globals[globals_file] = json.dumps(own_values, sort_keys=True)
        rows = generator_rows(found.content, group_size, top, s.gen_dirs[edition],
                              os.path.join(build.state(), "gen", edition) if edition else build.state("gen"),
                              globals_file)
        plan.names_by_edition[edition] = [g["names"] for g in rows]
        plan.attach_lists.update(attach_lists(rows, found.content, found.cache, top))
        plan.rows += rows
    if cfg.redirects:
        plan.rows.append(redirects_row(s, found, plan.globals_files[s.editions[0]]))
    return plan


def redirects_row(s, found, globals_file):
    top, redirects_dir = s.top, s.build.redirects
    stem = s.build.state("redirects")
    return {
        "sources": [spell(s.cfg.redirects, top)], "names": spell(stem + ".names", top),
        "depfile": spell(stem + ".d", top), "log": spell(stem + ".log", top),
        "globals": spell(globals_file, top),
        "outputs": [spell(os.path.join(redirects_dir, o), top) for o in found.redirect_outputs],
        "extra": ["--kind", "redirects", "--out", spell(redirects_dir, top),
                  "--globals", spell(globals_file, top)],
    }


def format_plan(s, found, generators, catalogs):
    """The format rows: one per variant x format (see format_rows)."""
    top = s.top
    sources_list = s.build.state("sources.list")
    common = [spell(sources_list, top), spell(os.path.join(s.srcdir, "conf.py"), top), *found.absent]
    setup = variant_setup(s, VariantInputs(
        common=common, used_generated=sorted(found.graph.used_generated), version=found.globals["version"],
        names_by_edition=generators.names_by_edition, catalogs=catalogs))
    if found.attach_map:
        attach_file = s.build.state("attach.json")
        for own in setup.values():  # .docbuild is no input a depfile names: listed here
            own["inputs"].append(spell(attach_file, top))
            own["step_args"] = [*own["step_args"], "--attach", spell(attach_file, top)]
    return format_rows(s.cfg, top, s.srcdir, s.build.root, s.variants, setup)


class VariantInputs(Record):
    """What variant_setup adds to a variant's Sphinx steps: common (inputs of
    every step), used_generated, version, names_by_edition, catalogs."""


def variant_setup(s, given):
    """{suffix: what every Sphinx run of that variant shares} (see format_rows)."""
    setup, top, cut = {}, s.top, len(s.srcdir) + 1
    locale_folders = given.catalogs.locale_folders
    for v in s.variants:
        gen = s.gen_dirs[v.edition]
        spelled_gen = spell(gen, top)
        inputs = [*given.common, *(os.path.join(spelled_gen, p[cut:]) for p in given.used_generated)]
        options = [arg for tag in v.tags for arg in ("-t", tag)]
        settings = {}
        if v.exclude:
            settings["exclude"] = variants.exclude_patterns(v)
        if v.translated:
            options += ["-D", f"language={v.lang}"]
            inputs += [spell(p, top) for p in given.catalogs.outputs.get(v.lang, [])]
            settings["locale_dirs"] = [os.path.join(s.build.locales, str(i)) for i in range(len(locale_folders))]
        if v.suffix or s.cfg.versions:
            # For templates: a version switcher, an edition or language menu.
            settings["context"] = {"docbuild_version": given.version,
                                   "docbuild_versions": s.cfg.versions,
                                   "docbuild_edition": v.edition or "",
                                   "docbuild_language": v.lang or "",
                                   "docbuild_variant": v.suffix}
        setup[v.suffix] = {
            "inputs": inputs, "order_only": given.names_by_edition[v.edition], "gen": gen,
            "options": options,
            "step_args": ["--variant", json.dumps(settings, sort_keys=True)] if settings else [],
        }
    return setup
