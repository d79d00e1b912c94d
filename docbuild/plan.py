"""The plan of a build: what configure found, before anything is written.

configure (docbuild/configure.py) is settings(args) -> plan(settings) ->
write(plan).  This module holds the first two: settings() reads the command
line, docbuild.yaml, conf.py and the variants; plan() calls one planner per
part of build.ninja (the inputs' in plan_sources.py, the steps' in
plan_steps.py, the site's in site.py), each taking the records the earlier
ones returned and returning its own.  A planner writes nothing but its own cache (the scan,
the content, conf.py's values, the image specs), so each reports every
error it finds and one run lists them all; the files the steps read are
written by configure.write().
"""

import glob
import os
import sys

from docbuild import config as config_mod
from docbuild import images, site, sphinxconf, variants
from docbuild.errors import UserError, UserErrors
from docbuild.formats import FORMATS, shared_read
from docbuild.ninja_file import TEMPLATE, check_target_name
from docbuild.paths import DEPFILE_UNSAFE, BuildDir, check_name, component, depfile_safe, spell
from docbuild.plan_sources import Record, git_head, sources
from docbuild.plan_steps import catalog_plan, format_plan, generator_plan

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
    cfg.shared_read = frozenset(shared_read(values)) if cfg.read_once else frozenset()
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


