"""docbuild clean [--build-dir DIR] [--all] [--dry-run]

Removes what the build made for readers, and the stamps that say it is
there, so that the next `ninja` makes it again; keeps what makes that fast
(docs/targets.rst, "Cleaning"):

  removed  each format's output folder, the stamps of the steps that write
           them (formats, tools, stage), dist/, the stage tree, the reports
  kept     doctrees/ (Sphinx's parsed documents, the shared read's among them,
           and its stamp), gen/, locales/, redirects/ (made from your sources
           by docbuild), .docbuild/ (configure's plans and caches, the steps'
           records of what they read), logs/, and publish stamps; beside
           build.ninja, ninja's .ninja_log and .ninja_deps

--all removes the whole build folder instead.  Only a folder configure set
up is touched (it holds .docbuild/steps.json), and nothing is followed
through a symbolic link out of it.
"""

import argparse
import json
import os
import shutil

from docbuild.errors import UserError
from docbuild.paths import BuildDir, component, spell

# The steps whose stamps go: their outputs go with them.  A shared read's
# product is its doctree dir (a cache), a publish step's is on the server.
REMOVED_KINDS = ("sphinx", "tool", "stage")


def main(argv, prog="docbuild clean"):
    p = argparse.ArgumentParser(prog=prog, description=(
        "Remove the build's outputs and stamps, so that the next ninja makes them again; "
        "keep the caches (doctrees, generated pages, configure's state, logs)."))
    p.add_argument("--build-dir", default="build", help="the build dir configure used (default: build)")
    p.add_argument("--all", action="store_true", help="remove the whole build folder, caches too")
    p.add_argument("--dry-run", action="store_true", help="list what would be removed; remove nothing")
    args = p.parse_args(argv)
    build = BuildDir(os.path.abspath(args.build_dir))
    steps = load_steps(build, args.build_dir)
    doomed = whole_folder(build, steps) if args.all else outputs(build, steps)
    for path in doomed:
        shown = spell(path) + (os.sep if os.path.isdir(path) and not os.path.islink(path) else "")
        if not args.dry_run:
            remove(path)
        print(f"{'would remove' if args.dry_run else 'removed'} {shown}")
    if not args.all:
        kept = [spell(k) + os.sep for k in build.kept() if os.path.isdir(k)]
        print(f"kept: {' '.join(kept)}" if kept else "kept: nothing (no caches yet)")
    elif not args.dry_run:  # the folder held configure's plans, which build.ninja names
        print("run configure again, then ninja")
    return 0


def load_steps(build, given):
    """configure's list of steps (.docbuild/steps.json): docbuild's mark on a
    build folder; anything else is refused."""
    marker = build.state("steps.json")
    hint = "pass the --build-dir that configure used; docbuild clean removes only a build folder it set up"
    if not os.path.isdir(build.root):
        raise UserError(f"{given} is not a folder", hint=hint)
    if os.path.islink(build.state()) or not os.path.isfile(marker):
        raise UserError(f"{given} is not a docbuild build folder (it has no {spell(marker)})", hint=hint)
    try:
        with open(marker, encoding="utf-8") as f:
            steps = json.load(f)
        return [(component(s["name"]), s["kind"]) for s in steps]
    except (OSError, ValueError, TypeError, KeyError, UserError):
        raise UserError(f"{spell(marker)} was not written by this docbuild",
                        hint="run configure (or ninja, which runs it) again, then docbuild clean") from None


def outputs(build, steps):
    """What goes, stamps first: a clean stopped half-way leaves no stamp
    whose outputs are gone."""
    found = [build.stamp(name) for name, kind in steps if kind in REMOVED_KINDS]
    found += [build.output(name) for name, kind in steps if kind == "sphinx"]
    found += [build.dist, *(build.path(name) for name in BuildDir.FILES)]
    stage = stage_root(build)
    if stage:
        found.append(stage)
    return [path for path in found if os.path.lexists(path) and inside(build.root, path)]


def stage_root(build):
    """The stage tree (`stage: dir`, below the build folder), when configure planned one."""
    try:
        with open(build.state("stage.json"), encoding="utf-8") as f:
            return os.path.normpath(json.load(f)["root"])
    except (OSError, ValueError, TypeError, KeyError):
        return None


def whole_folder(build, steps):
    """[the build folder], when every entry in it is one the build writes;
    else an error naming the others (files of yours, or the sources)."""
    if os.path.islink(build.root):
        raise UserError(f"{spell(build.root)} is a symbolic link; --all removes only a real folder",
                        hint="run docbuild clean without --all, or remove the link and its target yourself")
    here = os.path.realpath(os.getcwd())
    if here == os.path.realpath(build.root) or here.startswith(os.path.realpath(build.root) + os.sep):
        raise UserError(f"{spell(build.root)} holds the current folder", hint="run docbuild clean from "
                        "the folder build.ninja is in")
    stage = stage_root(build)
    names = {name for name, _ in steps}
    if stage and inside(build.root, stage):
        names.add(os.path.relpath(stage, build.root).split(os.sep)[0])
    foreign = sorted(n for n in os.listdir(build.root) if not build.reserved(n, names))
    if foreign:
        raise UserError(f"{spell(build.root)} holds files docbuild did not make: {', '.join(foreign[:5])}"
                        + (" ..." if len(foreign) > 5 else ""),
                        hint="move them out of the build folder, or run docbuild clean without --all")
    return [build.root]


def inside(root, path):
    """Whether `path` lies below `root` with no symbolic link on the way
    (the last part may be one: it is removed, not followed)."""
    rel = os.path.relpath(path, root)
    if rel == os.curdir or rel.split(os.sep)[0] == os.pardir:
        return False
    parts = rel.split(os.sep)[:-1]
    return not any(os.path.islink(os.path.join(root, *parts[:i + 1])) for i in range(len(parts)))


def remove(path):
    """A folder with all below it (shutil.rmtree follows no link), or a file or link."""
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)
    except OSError as exc:
        raise UserError(f"cannot remove {spell(exc.filename or path)}: {exc.strerror}",
                        hint="make the build folder writable, then run docbuild clean again") from None
