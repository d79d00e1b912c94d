"""docbuild COMMAND ...  (also python -m docbuild COMMAND ...)

Every command is a row of COMMANDS: its name, the function that runs it,
main(argv, prog) -> exit status (imported only when the command runs, so
that each starts fast), and its usage.  A new command is a new row.
"""

import os
import sys
from collections import namedtuple

# takes_prog: the function is main(argv, prog) and names itself with prog
# (`docbuild report`); else main(argv).
Command = namedtuple("Command", "name function usage help takes_prog", defaults=(True,))

COMMANDS = [
    Command("configure", "docbuild.configure:main", "[options]", "scan a Sphinx project and write build.ninja (as configure.py)"),
    Command("deps", "docbuild.__main__:deps", "FILE", "what FILE includes, and what includes it"),
    Command("publish", "docbuild.publish:main", "[options]", "publish the staged site (--to NAME, --dry-run, --rollback)"),
    Command("report", "docbuild.report:report_main", "[--ci] [TARGET...]", "write build/report.json and build/junit.xml; list the warnings\n(of the steps the targets reach; default: every step)"),
    Command("ci", "docbuild.report:ci_main", "[TARGET...]", "ninja -k 0 TARGET... (default: all), then `report --ci TARGET...`"),
    # Rows without a function document a subcommand that its parent dispatches.
    Command("ci job", "", "NAME", "one job of the CI matrix (configure --matrix), artifacts in --artifacts DIR"),
    Command("ci restore-times", "", "", "on a fresh clone with the build folder restored: file times as built"),
    Command("timing", "docbuild.timing:main", "[options]", "the slowest steps and the critical path of the last build\n(--trace FILE.json for Perfetto, --html FILE.html)"),
    Command("build", "docbuild.progress:main", "[TARGET...]", "ninja TARGET..., showing each running step's phase, count\nand estimate (plain lines when not on a terminal)", False),
    Command("serve", "docbuild.serve:main", "[TARGET] [--port N] [--host H] [--open]", "live preview: rebuild TARGET (html) on every change, serve\nit on 127.0.0.1 and reload the open pages (docbuild[serve])", False),
    Command("clean", "docbuild.clean:main", "[--all] [--dry-run]", "remove the outputs and their stamps (the next ninja makes them\nagain); keep the caches: doctrees, gen, .docbuild (--all: all)"),
    Command("catalogs", "docbuild.catalogs:catalogs_main", "update", "build the gettext target, then merge the messages into each\nlanguage's .po files (creating missing ones)"),
]


def program():
    """How the user started docbuild: `docbuild` (the console script) or `python -m docbuild`."""
    return "docbuild" if os.path.basename(sys.argv[0]) == "docbuild" else "python -m docbuild"


def usage(prog):
    lines = [f"usage: {prog} COMMAND ...", "", "commands:"]
    for c in COMMANDS:
        first, *more = c.help.split("\n")
        head = f"  {c.name} {c.usage}"
        if len(head) > 23:
            lines += [head, " " * 24 + first]
        else:
            lines.append(f"{head:<24}{first}")
        lines += [" " * 24 + line for line in more]
    lines += ["", "  --version             print docbuild's version", "",
              f"`{prog} COMMAND --help` describes a command."]
    return "\n".join(lines)


def deps(argv, prog):
    import argparse

    from docbuild.graph import describe
    from docbuild.paths import read_plan

    p = argparse.ArgumentParser(prog=prog, description="Show what FILE includes and what includes it.")
    p.add_argument("file")
    p.add_argument("--build-dir", default="build", help="the build dir configure used (default: build)")
    args = p.parse_args(argv)
    print(describe(read_plan(args.build_dir, "graph.json"), args.file))
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    prog = program()
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(usage(prog))
        return 0 if argv else 2
    if argv[0] == "--version":
        from docbuild import __version__

        print(f"docbuild {__version__}")
        return 0
    command = next((c for c in COMMANDS if c.name == argv[0]), None)
    if command is None:
        print(f"{prog}: error: unknown command {argv[0]!r}\n\n{usage(prog)}", file=sys.stderr)
        return 2
    import importlib

    from docbuild.errors import entry_point

    module, function = command.function.split(":")
    run = getattr(importlib.import_module(module), function)
    if command.takes_prog:
        return entry_point(run)(argv[1:], prog=f"{prog} {command.name}")
    return entry_point(run)(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
