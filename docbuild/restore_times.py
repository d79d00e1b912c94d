"""`docbuild ci restore-times`: a fresh clone, and a build folder restored from a CI cache.

    python -m docbuild ci restore-times [--build-dir DIR]

ninja and Sphinx decide what to rebuild by modification times, and a fresh
clone gives every file the time of the clone: newer than the cached build,
so everything would be rebuilt.  This command gives each file that has the
same content (git's blob hash) as when the cached build was made the time
it had then, and every other file the current time.  A folder whose entries
are the same gets its old time too (ninja's regeneration watches folders).
Then it records the files and times of this checkout in the build folder
(.docbuild/ci-times.json), for the next job that restores the folder.

It needs no history (a shallow clone will do) and no tool but git: `git
ls-files -s` gives each file's blob hash.  Without what it needs (no git
checkout, no record from the cached build, a build made in another folder)
it deletes the restored build folder and ninja's logs, and says so in one
line: the build starts from scratch, rather than trusting times it cannot
check.  Run it in the folder that holds build.ninja, before configure.
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time

STATE = os.path.join(".docbuild", "ci-times.json")


def git(repo, *args):
    result = subprocess.run(["git", "-C", repo, *args], stdin=subprocess.DEVNULL, capture_output=True)
    return result.stdout if result.returncode == 0 else None


def tracked(top):
    """(repository root, {path in the repository: blob hash or None if edited}),
    or (None, reason) outside a git checkout."""
    root = git(top, "rev-parse", "--show-toplevel")
    if root is None:
        return None, "this folder is not in a git checkout"
    root = root.decode().strip()
    listing = git(root, "ls-files", "-s", "-z")
    edited = git(root, "diff-files", "--name-only", "-z")
    if listing is None or edited is None:
        return None, "git cannot list the files of this checkout"
    files = {}
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        info, path = entry.split(b"\t", 1)
        mode, blob, _ = info.split()
        if mode != b"160000":  # a submodule is a folder of its own
            files[os.fsdecode(path)] = blob.decode()
    for path in edited.split(b"\0"):
        if os.fsdecode(path) in files:
            files[os.fsdecode(path)] = None  # its content is not the blob's
    return root, files


def folders(files):
    """{folder in the repository ("" for its root): hash of its tracked entries}."""
    entries = {}
    for path in files:
        parts = path.split("/")
        for depth in range(len(parts)):
            entries.setdefault("/".join(parts[:depth]), set()).add(parts[depth])
    return {d: hashlib.sha256("\0".join(sorted(names)).encode()).hexdigest() for d, names in entries.items()}


def from_scratch(top, build_dir, reason):
    """Delete the restored build and ninja's logs: a clean build, said in one line."""
    present = [p for p in (build_dir, os.path.join(top, ".ninja_log"), os.path.join(top, ".ninja_deps"))
               if os.path.lexists(p)]
    for path in present:
        shutil.rmtree(path) if os.path.isdir(path) and not os.path.islink(path) else os.unlink(path)
    print(f"docbuild: {reason}: building from scratch" + (" (removed the restored build)" if present else ""))


def restore(top, build_dir):
    if os.path.isdir(build_dir) and not os.path.isdir(os.path.join(build_dir, ".docbuild")):
        print(f"docbuild: error: {build_dir} is not a docbuild build folder (it has no .docbuild/)\n"
              "  hint: pass --build-dir the folder the cache restored", file=sys.stderr)
        return 1
    root, files = tracked(top)
    state_file = os.path.join(build_dir, STATE)
    try:
        with open(state_file, encoding="utf-8") as f:
            old = json.load(f)
    except (OSError, ValueError):
        old = None
    if not (isinstance(old, dict) and isinstance(old.get("files"), dict) and isinstance(old.get("folders"), dict)):
        old = None  # not a record this command wrote: not to be trusted
    if root is None:
        from_scratch(top, build_dir, files)
        return 0
    if old is None or old.get("root") != root:
        reason = ("no cached build" if not os.path.exists(build_dir) else
                  f"the restored build has no record of its files ({os.path.relpath(state_file, top)})"
                  if old is None else f"the cached build was made in {old.get('root')}, this checkout "
                                      f"is {root}")
        from_scratch(top, build_dir, reason)
        old = {"files": {}, "folders": {}}
    now = time.time_ns()
    kept = changed = 0
    new = {"root": root, "files": {}, "folders": {}}
    dirs = folders(files)
    for kind, items, was in (("files", files, old["files"]), ("folders", dirs, old["folders"])):
        for rel, digest in items.items():
            path = os.path.join(root, rel)
            before = was.get(rel)
            if not os.path.lexists(path):
                continue
            same = (digest is not None and isinstance(before, list) and len(before) == 2
                    and before[0] == digest and isinstance(before[1], int))
            stamp = before[1] if same else now
            os.utime(path, ns=(stamp, stamp), follow_symlinks=False)
            if kind == "files":
                kept, changed = (kept + 1, changed) if same else (kept, changed + 1)
            new[kind][rel] = [digest, stamp] if digest is not None else [None, now]
    os.makedirs(os.path.dirname(state_file), exist_ok=True)
    tmp = f"{state_file}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(new, f)
    os.replace(tmp, state_file)
    if old["files"]:
        print(f"docbuild: {kept} file(s) as in the cached build, {changed} changed since (given the current time)")
    return 0


def main(argv):
    p = argparse.ArgumentParser(prog="python -m docbuild ci restore-times",
                                description="On a fresh clone with the build folder restored from a "
                                            "cache: give unchanged files the times they had when the "
                                            "cache was built, changed ones the current time.")
    p.add_argument("--build-dir", metavar="DIR", default="build",
                   help="the build folder restored from the cache (default: build)")
    args = p.parse_args(argv)
    return restore(os.getcwd(), os.path.abspath(args.build_dir))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
