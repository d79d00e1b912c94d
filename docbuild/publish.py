"""Ship the staged site so that readers never see a half-updated one.

    python -m docbuild publish [--to NAME] [--dry-run] [--rollback] [--build-dir DIR]

Destinations come from `publish:` in docbuild.yaml (configure writes them to
the build dir).  Two kinds:
  path: a local folder.  Each publish copies the stage tree into a new folder
        under releases/ (named .incomplete-* until complete), then points the
        `current` symlink at it with one rename, which is atomic: readers see
        the old release or the new one.  The newest `keep` releases are kept;
        --rollback points `current` back at the release before.
  rsync: any rsync destination (host:path or a folder): rsync --checksum
        --delete, so only changed files travel.
A publish that fails or is killed leaves `current` on the last complete
release; the next publish removes the leftover .incomplete-* folder.
"""

import argparse
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time

from docbuild.errors import UserError
from docbuild.stage import same_bytes, tree_files

INCOMPLETE = ".incomplete-"
DELETING = ".deleting-"


def releases(dest):
    """Complete releases, oldest first (names sort by time: YYYYmmddTHHMMSS-NNN)."""
    folder = os.path.join(dest, "releases")
    if not os.path.isdir(folder):
        return []
    return sorted(n for n in os.listdir(folder) if not n.startswith("."))


def locked(dest):
    """An exclusive lock on the destination: two publishes never interleave."""
    handle = open(os.path.join(dest, ".publish.lock"), "w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise UserError(f"another publish to {dest} is running", hint="wait for it, then try again")
    return handle


def current(dest):
    link = os.path.join(dest, "current")
    return os.path.basename(os.readlink(link)) if os.path.islink(link) else None


def switch(dest, release):
    """Point dest/current at releases/RELEASE in one atomic rename."""
    tmp = os.path.join(dest, f".current.tmp{os.getpid()}")
    if os.path.lexists(tmp):
        os.unlink(tmp)
    os.symlink(os.path.join("releases", release), tmp)
    os.replace(tmp, os.path.join(dest, "current"))


def changes(stage, old_root):
    """(added, changed, removed) relative paths between a release and the stage."""
    new = set(tree_files(stage))
    old = set(tree_files(old_root)) if old_root and os.path.isdir(old_root) else set()
    added = sorted(new - old)
    changed = sorted(p for p in new & old if not same_bytes(os.path.join(stage, p),
                                                            os.path.join(old_root, p)))
    return added, changed, sorted(old - new)


def check_current(dest):
    link = os.path.join(dest, "current")
    if os.path.lexists(link) and not os.path.islink(link):
        raise UserError(f"{link} exists and is not a symlink: docbuild publishes by pointing a "
                        "`current` symlink at a release", hint="move it away (nothing was changed)")


def publish_local(stage, dest, keep, dry_run=False):
    check_current(dest)
    live = current(dest)
    live_root = os.path.join(dest, "releases", live) if live else None
    added, changed, removed = changes(stage, live_root)
    if dry_run:
        for mark, paths in (("+", added), ("~", changed), ("-", removed)):
            for p in paths:
                print(f"{mark} {p}")
        print(f"would publish to {dest}: {len(added)} added, {len(changed)} changed, "
              f"{len(removed)} removed")
        return
    try:
        os.makedirs(os.path.join(dest, "releases"), exist_ok=True)
        probe = os.path.join(dest, f".probe{os.getpid()}")
        open(probe, "w").close()
        os.unlink(probe)
    except OSError as exc:
        raise UserError(f"cannot write to the destination {dest}: {exc.strerror}",
                        hint="check the path and its permissions; nothing was changed there")
    with locked(dest):
        folder = os.path.join(dest, "releases")
        for name in os.listdir(folder):  # what an interrupted publish left behind
            if name.startswith((INCOMPLETE, DELETING)):
                shutil.rmtree(os.path.join(folder, name), ignore_errors=True)
        release = copy_release(stage, folder, live_root)
        switch(dest, release)
        for old_release in releases(dest)[:-keep] if keep else []:
            if old_release != release:
                # Renamed first: a half-deleted release is never one to roll back to.
                doomed = os.path.join(folder, DELETING + old_release)
                os.rename(os.path.join(folder, old_release), doomed)
                shutil.rmtree(doomed)
    print(f"published {release} to {dest}: {len(added)} added, {len(changed)} changed, "
          f"{len(removed)} removed")


def copy_release(stage, folder, live_root):
    """Copy the stage into a new release folder; its name, once complete."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    n = 0
    while any(name.endswith(f"{stamp}-{n:03d}") for name in os.listdir(folder)):
        n += 1
    release = f"{stamp}-{n:03d}"
    tmp = os.path.join(folder, INCOMPLETE + release)
    os.makedirs(tmp)
    for rel in tree_files(stage):
        target = os.path.join(tmp, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        old = os.path.join(live_root, rel) if live_root else None
        if old and same_bytes(os.path.join(stage, rel), old):
            os.link(old, target)  # unchanged: share the bytes with the live release
        else:
            shutil.copyfile(os.path.join(stage, rel), target)
    os.rename(tmp, os.path.join(folder, release))
    return release


def rollback(dest, dry_run=False):
    check_current(dest)
    names = releases(dest)
    live = current(dest)
    if live not in names or names.index(live) == 0:
        raise UserError(f"no release before {live or 'the current one'} in {dest}",
                        hint="releases kept: " + (", ".join(names) or "none"))
    before = names[names.index(live) - 1]
    if dry_run:
        print(f"would point {dest}/current at {before} (now {live})")
        return
    with locked(dest):
        switch(dest, before)
    print(f"{dest}: current is now {before} (was {live})")


def publish_rsync(stage, dest, dry_run=False):
    if shutil.which("rsync") is None:
        raise UserError("publishing with rsync needs rsync, which is not installed",
                        hint="apt-get install rsync")
    command = ["rsync", "--recursive", "--links", "--perms", "--times", "--checksum",
               "--delete", "--itemize-changes"]
    if dry_run:
        command.append("--dry-run")
    command += ["--", stage.rstrip("/") + "/", dest]  # no path is read as an option
    print("$", " ".join(command), flush=True)
    code = subprocess.call(command, stdin=subprocess.DEVNULL)
    if code:
        raise UserError(f"rsync to {dest} failed with status {code}")


def load_plan(build_dir):
    path = os.path.join(build_dir, ".docbuild", "publish.json")
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise UserError(f"{path} not found", hint="run configure first (or pass --build-dir)") from None


def run(args):
    plan = load_plan(args.build_dir)
    destinations = plan["destinations"]
    if not destinations:
        raise UserError("no publish destinations are configured",
                        hint="add `publish:` to docbuild.yaml, e.g. publish: {site: {path: /srv/docs}}")
    name = args.to or plan["default"]
    if name not in destinations:
        raise UserError(f"unknown destination {name!r}", hint="configured: " + ", ".join(destinations))
    dest = destinations[name]
    if args.rollback:
        if "path" not in dest:
            raise UserError(f"{name!r} is an rsync destination: rollback works on local folders")
        return rollback(dest["path"], args.dry_run)
    stage = plan["stage"]
    if not os.path.isdir(stage):
        raise UserError(f"the stage {stage} does not exist", hint="run `ninja stage` first")
    if "path" in dest:
        publish_local(stage, dest["path"], dest.get("keep", 5), args.dry_run)
    else:
        publish_rsync(stage, dest["rsync"], args.dry_run)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m docbuild publish",
                                description="Publish the staged site (see `ninja publish`).")
    p.add_argument("--to", metavar="NAME", help="the destination (default: the first configured)")
    p.add_argument("--dry-run", action="store_true", help="list what would change; change nothing")
    p.add_argument("--rollback", action="store_true", help="point `current` at the previous release")
    p.add_argument("--build-dir", default="build", help="the build dir configure used")
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        run(args)
    except UserError as exc:
        print(f"docbuild: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
