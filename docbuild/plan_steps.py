"""The planners of a build's steps (docbuild/plan.py calls them): the
catalogs of each language, the generate edges of the structured content,
and one Sphinx step per variant x format.
"""

import json
import os

from docbuild import attach, content, variants
from docbuild import config as config_mod
from docbuild.formats import EDGE_ORDER, FORMATS
from docbuild.kinds import kind_of
from docbuild.paths import BuildDir, spell
from docbuild.plan_sources import Record


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
            if fmt.builder and fmt_name in cfg.shared_read:
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
