"""Build info, as giza wrote it: includes/hash.rst holds the git commit.

    python -m docbuild.buildinfo --repo DIR OUT...

writes `.. |commit| replace:: ``<sha of HEAD>``` into each OUT (one per
generated twin of the source dir), only when it changes, so pages that
include /includes/hash.rst are re-read after a new commit and not
otherwise.  configure gives the edge, as inputs, the git files a commit,
checkout or reset changes (repo_files), so it runs exactly then.
"""

import argparse
import os
import subprocess
import sys

from docbuild.paths import write_if_changed


def git_dir(folder):
    """(the repository's git dir, its common dir) for `folder`, or None outside git."""
    folder = os.path.abspath(folder)
    while True:
        dot_git = os.path.join(folder, ".git")
        if os.path.isdir(dot_git):
            gitdir = dot_git
            break
        if os.path.isfile(dot_git):  # a worktree or submodule: "gitdir: PATH"
            with open(dot_git, encoding="utf-8") as f:
                text = f.read().strip()
            if not text.startswith("gitdir:"):
                return None
            gitdir = os.path.normpath(os.path.join(folder, text[7:].strip()))
            break
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent
    common = gitdir
    try:
        with open(os.path.join(gitdir, "commondir"), encoding="utf-8") as f:
            common = os.path.normpath(os.path.join(gitdir, f.read().strip()))
    except OSError:
        pass
    return gitdir, common


def repo_files(folder):
    """The existing files whose change can move HEAD: HEAD, its reflog, the
    branch's loose ref and packed-refs.  [] outside a git repository."""
    found = git_dir(folder)
    if not found:
        return []
    gitdir, common = found
    head = os.path.join(gitdir, "HEAD")
    files = [head, os.path.join(gitdir, "logs", "HEAD"), os.path.join(common, "packed-refs")]
    try:
        with open(head, encoding="utf-8") as f:
            text = f.read().strip()
        if text.startswith("ref: "):
            files.append(os.path.join(common, text[5:]))
    except OSError:
        return []
    return [p for p in files if os.path.isfile(p)]


def text(commit):
    return f".. |commit| replace:: ``{commit}``\n"


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m docbuild.buildinfo")
    p.add_argument("--repo", required=True)
    p.add_argument("outputs", nargs="+")
    args = p.parse_args(argv)
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=args.repo, capture_output=True,
                                text=True, stdin=subprocess.DEVNULL, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", None) or str(exc)
        print(f"docbuild: cannot read the git commit for hash.rst: {detail.strip()}\n"
              "  hint: hash.rst needs git and a repository with a commit", flush=True)
        return 1
    for out in args.outputs:
        write_if_changed(out, text(commit))
    return 0


if __name__ == "__main__":
    sys.exit(main())
