"""python -m docbuild COMMAND ...  (also the `docbuild` console script)

  configure [options]   scan a Sphinx project and write build.ninja (as configure.py)
  deps FILE             what FILE includes, and what includes it
  publish [options]     publish the staged site (--to NAME, --dry-run, --rollback)
  report [--ci] [TARGET...]
                        write build/report.json and build/junit.xml; list the warnings
                        (of the steps the targets reach; default: every step)
  ci [TARGET...]        ninja -k 0 TARGET... (default: all), then `report --ci TARGET...`
  ci job NAME           one job of the CI matrix (configure --matrix), artifacts in --artifacts DIR
  ci restore-times      on a fresh clone with the build folder restored: file times as built
  timing [options]      the slowest steps and the critical path of the last build
                        (--trace FILE.json for Perfetto, --html FILE.html)
  build [TARGET...]     ninja TARGET..., showing each running step's phase, count
                        and estimate (plain lines when not on a terminal)
  serve [TARGET] [--port N] [--host H] [--open]
                        live preview: rebuild TARGET (html) on every change, serve
                        it on 127.0.0.1 and reload the open pages (docbuild[serve])
  catalogs update       build the gettext target, then merge the messages into each
                        language's .po files (creating missing ones)
"""

import sys

USAGE = __doc__.split("\n", 1)[1].strip("\n")


def deps(argv):
    import argparse

    from docbuild.errors import UserError, report
    from docbuild.graph import describe
    from docbuild.paths import read_plan

    p = argparse.ArgumentParser(prog="python -m docbuild deps",
                                description="Show what FILE includes and what includes it.")
    p.add_argument("file")
    p.add_argument("--build-dir", default="build", help="the build dir configure used (default: build)")
    args = p.parse_args(argv)
    try:
        print(describe(read_plan(args.build_dir, "graph.json"), args.file))
    except UserError as exc:
        report(exc)
        return 1
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help", "help"):
        print("usage: python -m docbuild COMMAND ...\n\n" + USAGE)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command == "configure":
        from docbuild.configure import main as configure_main
        return configure_main(rest, prog="python -m docbuild configure")
    if command == "deps":
        return deps(rest)
    if command == "report":
        from docbuild.report import report_main
        return report_main(rest)
    if command == "ci":
        from docbuild.report import ci_main
        return ci_main(rest)
    if command == "timing":
        from docbuild.timing import main as timing_main
        return timing_main(rest, prog="python -m docbuild timing")
    if command == "catalogs" and rest[:1] == ["update"]:
        from docbuild.catalogs import update_main
        return update_main(rest[1:])
    if command == "build":
        from docbuild.progress import main as build_main
        return build_main(rest)
    if command == "serve":
        from docbuild.serve import main as serve_main
        return serve_main(rest)
    if command == "publish":
        from docbuild.publish import main as publish_main
        return publish_main(rest)
    print(f"docbuild: error: unknown command {command!r}\n\n{USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
