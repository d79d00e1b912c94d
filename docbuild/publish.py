"""Ship the staged site so that readers never see a half-updated one.

    python -m docbuild publish [--to NAME] [--dry-run] [--rollback] [--build-dir DIR]

Destinations come from `publish:` in docbuild.yaml (configure writes them to
the build dir).  Three kinds:
  path: a local folder.  Each publish copies the stage tree into a new folder
        under releases/ (named .incomplete-* until complete), then points the
        `current` symlink at it with one rename, which is atomic: readers see
        the old release or the new one.  docbuild records the releases it
        made (.docbuild-releases.json): of those, the newest `keep` are kept,
        and --rollback points `current` back at the one before.  Anything
        else in releases/ is never touched.
  rsync: any rsync destination (host:path or a folder): rsync --checksum
        --delete, so only changed files travel.
  s3:   object storage through the S3 API: docbuild/publish_s3.py.
A publish that fails or is killed leaves `current` on the last complete
release; the next publish removes the leftover .incomplete-* folder.
A publish that would not fit on the destination's file system stops before
copying, and says how much space it needs.
"""

import argparse
import errno
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import time

from docbuild.errors import UserError, entry_point
from docbuild.paths import read_plan, write_atomic
from docbuild.stage import same_bytes, tree_files, write_error

INCOMPLETE = ".incomplete-"
DELETING = ".deleting-"
# docbuild's own record of the releases it made in a destination, oldest
# first: only those are ever pruned or rolled back to.  Anything else in
# releases/ (an owner's 2019-archive/, a file) is left alone.
RECORD = ".docbuild-releases.json"
RELEASE_NAME = re.compile(r"^[0-9]{8}T[0-9]{6}-[0-9]{3}$")


def recorded(dest):
    """The release names in docbuild's record of `dest`, oldest first."""
    path = os.path.join(dest, RECORD)
    try:
        with open(path, encoding="utf-8") as f:
            names = json.load(f)["releases"]
    except FileNotFoundError:
        return []
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UserError(f"cannot read {path}, docbuild's record of the releases it published: {exc}",
                        hint="restore it, or delete it: then every release there is left alone") from None
    # A record names plain release folders only: nothing outside releases/ can be in it.
    if not isinstance(names, list) or not all(isinstance(n, str) and RELEASE_NAME.match(n) for n in names):
        raise UserError(f"{path} is not a list of release names",
                        hint="restore it, or delete it: then every release there is left alone")
    return names


def write_record(dest, names):
    path = os.path.join(dest, RECORD)
    try:
        write_atomic(path, json.dumps({"releases": names}, indent=1) + "\n")
    except OSError as exc:
        raise UserError(f"cannot write {path}, docbuild's record of its releases: {exc.strerror}",
                        hint="free space or fix the permissions there, then publish again") from None


def is_release(folder, name):
    path = os.path.join(folder, name)
    return os.path.isdir(path) and not os.path.islink(path)


def releases(dest):
    """docbuild's complete releases in `dest`, oldest first, by its record."""
    folder = os.path.join(dest, "releases")
    return [n for n in recorded(dest) if is_release(folder, n)]


def foreign(dest, own):
    """What releases/ holds that docbuild did not publish there."""
    folder = os.path.join(dest, "releases")
    return sorted(set(os.listdir(folder)) - set(own)) if os.path.isdir(folder) else []


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
    try:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        os.symlink(os.path.join("releases", release), tmp)
        os.replace(tmp, os.path.join(dest, "current"))
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise UserError(f"cannot point {dest}/current at releases/{release}: {exc.strerror}",
                        hint="the release is complete; fix the cause, then publish again") from None


def changes(stage, old_root):
    """(every stage file, added, changed, removed): relative paths, a release against the stage."""
    files = tree_files(stage)
    new = set(files)
    old = set(tree_files(old_root)) if old_root and os.path.isdir(old_root) else set()
    added = sorted(new - old)
    changed = sorted(p for p in new & old if not same_bytes(os.path.join(stage, p),
                                                            os.path.join(old_root, p)))
    return files, added, changed, sorted(old - new)


def check_current(dest):
    link = os.path.join(dest, "current")
    if os.path.lexists(link) and not os.path.islink(link):
        raise UserError(f"{link} exists and is not a symlink: docbuild publishes by pointing a "
                        "`current` symlink at a release", hint="move it away (nothing was changed)")


def human(size):
    for unit in ("bytes", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000


def unique_bytes(folder, names):
    """Bytes that deleting these releases frees: files not hard-linked from elsewhere."""
    links, sizes = {}, {}
    for name in names:
        for root, _, files in os.walk(os.path.join(folder, name)):
            for f in files:
                try:
                    st = os.lstat(os.path.join(root, f))
                except OSError:  # gone or unreadable: an estimate need not count it
                    continue
                key = (st.st_dev, st.st_ino)
                links[key] = links.get(key, 0) + 1
                sizes[key] = (st.st_nlink, st.st_blocks * 512)
    return sum(size for key, (nlink, size) in sizes.items() if links[key] >= nlink)


def check_space(stage, dest, copied, own, keep):
    """Stop before copying when the destination's file system cannot hold the new release.

    Old releases are pruned only after the copy, so pruning cannot make room."""
    fs = os.statvfs(os.path.join(dest, "releases"))
    block = fs.f_frsize or 4096
    folders = {os.path.dirname(rel) for rel in copied}
    need = sum(-(-os.path.getsize(os.path.join(stage, rel)) // block) * block for rel in copied) \
        + (len(folders) + 1) * block
    free = fs.f_bavail * fs.f_frsize
    if need <= free:
        return
    doomed = own[:max(0, len(own) + 1 - keep)]
    folder = os.path.join(dest, "releases")
    freed = f"pruning to `keep: {keep}` would free {human(unique_bytes(folder, doomed))} " \
            f"(releases {', '.join(doomed)}), but docbuild prunes only after a publish succeeds: " \
            "delete them by hand, or free space elsewhere" if doomed else \
        f"`keep: {keep}` frees nothing before this publish: free space on that file system"
    raise UserError(f"not enough space to publish to {dest}: the new release needs {human(need)} "
                    f"({len(copied)} files to copy; unchanged files are hard links), {human(free)} free",
                    hint=f"{freed}; nothing was changed")


def publish_local(stage, dest, keep, dry_run=False):
    check_current(dest)
    live = current(dest)
    live_root = os.path.join(dest, "releases", live) if live else None
    files, added, changed, removed = changes(stage, live_root)
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
        own = clean_up(dest)
        # Unchanged files become hard links to docbuild's own live release (never an owner's).
        unchanged = set(files) - set(added) - set(changed) if live in own else set()
        links = {rel: os.path.join(live_root, rel) for rel in unchanged}
        check_space(stage, dest, [rel for rel in files if rel not in links], own, keep)
        release = new_name(folder, own)
        write_record(dest, own + [release])  # first: an interrupted copy is ours to remove
        try:
            copy_release(stage, dest, release, files, links, live)
        except UserError:
            try:
                write_record(dest, own)
            except UserError:
                pass  # the next publish drops a recorded release that does not exist
            raise
        switch(dest, release)
        pruned = prune(dest, own + [release], keep, release)
    summary = f"published {release} to {dest}: {len(added)} added, {len(changed)} changed, " \
              f"{len(removed)} removed"
    if pruned:
        summary += f"; pruned {', '.join(pruned)}"
    others = foreign(dest, own + [release])
    if others:
        summary += f"; left alone in releases/ (not published by docbuild): {', '.join(others)}"
    print(summary)


def clean_up(dest):
    """Remove what an interrupted publish or prune of docbuild's left behind; its releases."""
    folder = os.path.join(dest, "releases")
    names = recorded(dest)
    for name in names:
        for prefix in (INCOMPLETE, DELETING):
            if is_release(folder, prefix + name):
                shutil.rmtree(os.path.join(folder, prefix + name), ignore_errors=True)
    own = [n for n in names if is_release(folder, n)]
    if own != names:
        write_record(dest, own)
    return own


def new_name(folder, own):
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    taken = set(os.listdir(folder)) | set(own)
    n = 0
    while any(name.endswith(f"{stamp}-{n:03d}") for name in taken):
        n += 1
    return f"{stamp}-{n:03d}"


def copy_release(stage, dest, release, files, links, live):
    """Copy the stage into DEST/releases/RELEASE (named .incomplete-RELEASE until complete).

    On any error, the partial folder is removed: `current` was not touched."""
    folder = os.path.join(dest, "releases")
    tmp = os.path.join(folder, INCOMPLETE + release)
    rel = None
    try:
        os.makedirs(tmp)
        for rel in files:
            target = os.path.join(tmp, rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if rel in links:
                os.link(links[rel], target)  # unchanged: share the bytes with the live release
            else:
                shutil.copyfile(os.path.join(stage, rel), target)
        os.rename(tmp, os.path.join(folder, release))
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        what = "the file system is full" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else exc.strerror
        raise UserError(f"cannot publish to {dest}: {what} (copying {rel or 'the first file'})",
                        hint=f"the partial release was removed and `current` still points at "
                             f"{live or 'nothing'}; free space (delete old releases by hand if need "
                             "be), then publish again") from None


def prune(dest, own, keep, release):
    """Delete docbuild's oldest releases so that `keep` are left; the names deleted."""
    folder = os.path.join(dest, "releases")
    doomed = [n for n in own[:-keep] if n != release]
    for name in doomed:
        # Renamed first: a half-deleted release is never one to roll back to.
        path = os.path.join(folder, DELETING + name)
        try:
            os.rename(os.path.join(folder, name), path)
            shutil.rmtree(path)
        except OSError as exc:
            print(f"docbuild: warning: cannot delete the old release {name}: {exc.strerror}",
                  file=sys.stderr)
    try:
        write_record(dest, [n for n in own if n not in doomed])
    except UserError as exc:  # the release is live: the next publish drops the names
        print(f"docbuild: warning: {exc.message}", file=sys.stderr)
    return doomed


def rollback(dest, dry_run=False):
    """Point `current` at docbuild's release before the current one (by its record)."""
    check_current(dest)
    names = releases(dest)
    live = current(dest)
    if live and live not in names:
        raise UserError(f"{dest}/current points at {live}, which docbuild did not publish there",
                        hint="releases it published: " + (", ".join(names) or "none"))
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


def run(args):
    plan = read_plan(args.build_dir, "publish.json")
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
            kind = "an s3" if "s3" in dest else "an rsync"
            raise UserError(f"{name!r} is {kind} destination: rollback works on local folders")
        return rollback(dest["path"], args.dry_run)
    stage = plan["stage"]
    if not os.path.isdir(stage):
        raise UserError(f"the stage {stage} does not exist", hint="run `ninja stage` first")
    if "path" in dest:
        publish_local(stage, dest["path"], dest.get("keep", 5), args.dry_run)
    elif "s3" in dest:  # its own module: the only one that imports the S3 client library
        from docbuild.publish_s3 import publish_s3
        lock = os.path.join(args.build_dir, ".docbuild", f"publish-{name}.lock")
        publish_s3(name, dest, stage, plan, lock, args.dry_run)
    else:
        publish_rsync(stage, dest["rsync"], args.dry_run)


@entry_point
def main(argv=None, prog="python -m docbuild publish"):
    p = argparse.ArgumentParser(prog=prog,
                                description="Publish the staged site (see `ninja publish`).")
    p.add_argument("--to", metavar="NAME", help="the destination (default: the first configured)")
    p.add_argument("--dry-run", action="store_true", help="list what would change; change nothing")
    p.add_argument("--rollback", action="store_true", help="point `current` at the previous release")
    p.add_argument("--build-dir", default="build", help="the build dir configure used")
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        run(args)
    except OSError as exc:  # one not met above: still one line, not a traceback
        print(f"docbuild: {write_error(exc, exc.filename2 or exc.filename or 'the destination')}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
