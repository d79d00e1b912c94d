"""Post-processing and staging steps: archives, downloads, the site tree.

    python -m docbuild.stage archive tar.gz|zip SRC_DIR OUT --prefix NAME
    python -m docbuild.stage pick SRC_DIR SUFFIX OUT [--prefer STEM]
    python -m docbuild.stage sync PLAN.json

Every output is written atomically and only when its bytes change, so
ninja's restat stops at an unchanged archive.  Archives are reproducible:
entries sorted, times and owners fixed.  `sync` copies only changed files
into the stage tree and removes the files it put there that are produced no
more; files it did not put there are never touched.
"""

import errno
import gzip
import json
import os
import re
import shutil
import stat
import sys
import tarfile
import zipfile

from docbuild.errors import UserError, entry_point
from docbuild.paths import write_if_changed

EPOCH = 315532800  # 1980-01-01: the earliest time a zip file can hold
# What builders leave in their output for their own next run: not for readers.
BUILD_STATE = {"environment.pickle", "last_build", ".buildinfo"}


def tree_files(folder):
    """Relative paths of every file below `folder`, sorted; symlink loops are errors."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files) + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            path = os.path.join(root, name)
            try:
                mode = os.stat(path).st_mode
            except OSError as exc:
                what = "a symlink loop" if exc.errno == 40 else \
                    "a dangling symlink" if os.path.islink(path) else exc.strerror
                raise UserError(f"cannot read {path}: {what}",
                                hint="remove or fix that link in the output") from None
            if stat.S_ISDIR(mode):
                raise UserError(f"{path} is a link to a folder; staging does not follow links",
                                hint="replace the link by the files, or remove it")
            found.append(os.path.relpath(path, folder))
    return found


def write_archive(kind, folder, prefix, out):
    """Write the archive of `folder` to `out`, streamed: each file is read
    and compressed in pieces into a temporary file beside `out` (a site of
    gigabytes needs no gigabytes of memory), which replaces `out` only when
    its bytes differ, compared in pieces too.  The bytes are those the
    archive always had: sorted entries, fixed times and owners, no name in
    the gzip header.  True when `out` was written."""
    files = [f for f in tree_files(folder)
             if "/." not in "/" + f and os.path.basename(f) not in BUILD_STATE]
    tmp = f"{out}.tmp{os.getpid()}"
    try:
        os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
        with open(tmp, "wb") as f:
            if kind == "zip":
                with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as z:
                    for rel in files:
                        path = os.path.join(folder, rel)
                        info = zipfile.ZipInfo(f"{prefix}/{rel}", date_time=(1980, 1, 1, 0, 0, 0))
                        info.external_attr = 0o644 << 16
                        info.compress_type = zipfile.ZIP_DEFLATED
                        # Known in advance, as writestr() knew it: the same header (zip64 or not).
                        info.file_size = os.path.getsize(path)
                        with open(path, "rb") as src, z.open(info, "w") as dest:
                            shutil.copyfileobj(src, dest, 1 << 20)
            else:
                # filename="": GzipFile would put the temporary file's name in the header.
                with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0) as gz, \
                        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
                    for rel in files:
                        path = os.path.join(folder, rel)
                        info = tarfile.TarInfo(f"{prefix}/{rel}")
                        info.size = os.path.getsize(path)
                        info.mtime, info.mode, info.uid, info.gid = EPOCH, 0o644, 0, 0
                        with open(path, "rb") as src:
                            tar.addfile(info, src)
        if same_bytes(tmp, out):
            os.unlink(tmp)
            return False
        os.replace(tmp, out)
        return True
    except BaseException as exc:
        error = discard(tmp, exc, out, lambda name: name in (None, tmp, out))
        if error:
            raise error from None
        raise


def discard(tmp, exc, dest, written):
    """After a failed write through `tmp`: remove it, and return the one-line
    UserError for `exc` when it is a write error (a full disk, or an error on a
    file `written(name)` says was being written), else None (raise `exc`)."""
    try:
        os.unlink(tmp)
    except OSError:
        pass
    if isinstance(exc, OSError) and (exc.errno in (errno.ENOSPC, errno.EDQUOT)
                                     or written(exc.filename)):
        return write_error(exc, dest)
    return None


def write_error(exc, path):
    """The one-line error for an OSError while writing `path` (a full disk, most often)."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return UserError(f"no space left on the device to write {path}",
                         hint="free space on that file system (or use a build dir on another one), "
                              "then run ninja again")
    return UserError(f"cannot write {path}: {exc.strerror}",
                     hint="check the folder and its permissions, then run ninja again")


def write_output(path, data):
    try:
        write_if_changed(path, data)  # its temporary file is removed if the write fails
    except OSError as exc:
        raise write_error(exc, path) from None


def archive(kind, folder, out, prefix):
    if not os.path.isdir(folder):
        raise UserError(f"{folder} does not exist: build that format first")
    write_archive(kind, folder, prefix, out)


def pick(folder, suffix, out, prefer=None):
    """Copy the one file with `suffix` in `folder` (or the preferred one) to `out`."""
    candidates = sorted(f for f in os.listdir(folder) if f.endswith(suffix)) if os.path.isdir(folder) else []
    if prefer and prefer + suffix in candidates:
        candidates = [prefer + suffix]
    if not candidates:
        raise UserError(f"no {suffix} file in {folder}: did that format build?")
    src = os.path.join(folder, candidates[0])
    if not same_bytes(src, out):  # streamed, like the archives: a PDF may be large
        copy_atomic(src, out)


def same_bytes(a, b):
    try:
        if os.path.getsize(a) != os.path.getsize(b):
            return False
    except OSError:
        return False
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x, y = fa.read(1 << 20), fb.read(1 << 20)
            if x != y:
                return False
            if not x:
                return True


def sync(plan_path):
    """Make the stage tree match the plan; print what changed."""
    with open(plan_path, encoding="utf-8") as f:
        plan = json.load(f)
    root, manifest_path = plan["root"], plan["manifest"]
    try:
        with open(manifest_path, encoding="utf-8") as f:
            recorded = json.load(f)
        # Only what was staged into this very folder is ours to remove.
        old = recorded["files"] if recorded.get("root") == root else {}
    except (OSError, ValueError, KeyError, AttributeError):
        old = {}
    wanted = {}  # destination (relative to root) -> source; later entries win
    for entry in plan["entries"]:
        if "tree" in entry:
            if not os.path.isdir(entry["tree"]) and entry.get("optional"):
                continue
            if not os.path.isdir(entry["tree"]):
                raise UserError(f"{entry['tree']} does not exist: did that format build?")
            for rel in tree_files(entry["tree"]):
                if "/." not in "/" + rel.replace(os.sep, "/") and os.path.basename(rel) not in BUILD_STATE:
                    wanted[os.path.normpath(os.path.join(entry["to"], rel))] = \
                        os.path.join(entry["tree"], rel)
        else:
            wanted[os.path.normpath(entry["to"])] = entry["file"]
    manifest, copied, removed = {}, 0, 0
    remove_temporaries(root, set(old) | set(wanted))
    new = set(wanted) - set(old)
    if new:  # recorded before they are copied: a copy that fails half-way leaves none unowned
        write_output(manifest_path, json.dumps(
            {"root": root, "files": {**old, **dict.fromkeys(new)}}, indent=0, sort_keys=True))
    # Removals first: a path that was a file may now be a folder, or back.
    for rel in sorted(set(old) - set(wanted)):
        dest = os.path.join(root, rel)
        if os.path.lexists(dest) and not os.path.isdir(dest):
            os.unlink(dest)
            removed += 1
            prune_empty(os.path.dirname(dest), root)
    for rel, src in sorted(wanted.items()):
        st = os.stat(src)
        key = [src, st.st_size, st.st_mtime_ns]
        dest = os.path.join(root, rel)
        if old.get(rel) != key or not os.path.exists(dest):
            if not same_bytes(src, dest):
                copy_atomic(src, dest)
                copied += 1
        manifest[rel] = key
    write_output(manifest_path, json.dumps({"root": root, "files": manifest}, indent=0,
                                           sort_keys=True))
    print(f"staged {len(manifest)} files in {root}: {copied} copied, {removed} removed")


def copy_atomic(src, dest):
    """Copy through a temporary file renamed into place; a failed copy leaves no temporary."""
    tmp = f"{dest}.tmp{os.getpid()}"
    try:
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copyfile(src, tmp)
        os.replace(tmp, dest)
    except BaseException as exc:
        error = discard(tmp, exc, dest, lambda name: name != src)
        if error:
            raise error from None
        raise


TEMPORARY = re.compile(r"\.tmp[0-9]+$")


def remove_temporaries(root, staged):
    """Remove the temporaries (NAME.tmpPID) that a killed stage step left beside
    the files it stages: never published, and never a file of the user's."""
    folders = {}
    for rel in staged:
        folders.setdefault(os.path.dirname(rel), set()).add(os.path.basename(rel))
    for folder, names in folders.items():
        try:
            entries = os.listdir(os.path.join(root, folder))
        except OSError:
            continue
        for entry in entries:
            match = TEMPORARY.search(entry)
            if match and entry[:match.start()] in names:
                os.unlink(os.path.join(root, folder, entry))


def prune_empty(folder, root):
    root = os.path.abspath(root)
    folder = os.path.abspath(folder)
    while folder.startswith(root + os.sep) and not os.listdir(folder):
        os.rmdir(folder)
        folder = os.path.dirname(folder)


@entry_point
def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    try:
        if argv[:1] == ["archive"] and len(argv) == 6 and argv[4] == "--prefix":
            archive(argv[1], argv[2], argv[3], argv[5])
        elif argv[:1] == ["pick"] and len(argv) in (4, 6):
            pick(argv[1], argv[2], argv[3], argv[5] if len(argv) == 6 else None)
        elif argv[:1] == ["sync"] and len(argv) == 2:
            sync(argv[1])
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except OSError as exc:  # one not met above: still one line, not a traceback
        print(f"docbuild: {write_error(exc, exc.filename2 or exc.filename or 'a file')}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
