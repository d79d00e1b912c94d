"""docbuild build [TARGET...]: ninja, with each running step's progress in view.

    python -m docbuild build [-j N] [-k N] [--build-dir build] [TARGET...]

ninja stays the executor: this starts it as a child (its own session, output
to build/logs/build.log, never a pipe) and watches files, once every 0.2 s:
  * ninja's own lines in that log ([finished/total] description, and what the
    steps print when they fail or warn), shown as they come;
  * which steps run: the step runner writes `running` into <log>.status
    when a step starts (docbuild.run), each step's log named in build.ninja;
  * a Sphinx step's phase and count from the last progress line of its log
    (`reading sources... [ 45%] intro`);
  * an estimate from the step's time in the last build (.ninja_log).
On a terminal the running steps are one redrawn block under ninja's lines; on
anything else (CI) plain lines: ninja's, and one when a step enters a phase.
`ninja` alone works exactly as before.
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import time

TICK = 0.2
STATUS = re.compile(r"^\[(\d+)/(\d+)\] (.*)$")
PHASE = re.compile(r"^([a-z][a-z ]*[a-z])\.\.\.(?: \[\s*(\d+)%\])?")


def phase(log):
    """(phase, percent or None) from the last Sphinx progress line of a step's log."""
    try:
        with open(log, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 8192))
            lines = f.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return None, None
    for line in reversed(lines):
        match = PHASE.match(line)
        if match:
            return match.group(1), (int(match.group(2)) if match.group(2) else None)
    return None, None


def running(edges, top, since):
    """[(description, log, started)] of the steps whose runner says `running`,
    started during this build."""
    found = []
    for outputs, text, log in edges:
        if not log:
            continue
        path = os.path.join(top, log) + ".status"
        try:
            st = os.stat(path)
            if st.st_mtime < since:
                continue
            with open(path, encoding="utf-8") as f:
                if not f.read().startswith("running"):
                    continue
        except OSError:
            continue
        found.append((text, os.path.join(top, log), st.st_mtime, outputs[0]))
    return found


def describe(step, before, now):
    """(name, phase, detail) of a running step: its phase and count, its time
    and the estimate from the last build."""
    text, log, started, output = step
    name, percent = phase(log)
    elapsed = max(0.0, now - started)
    detail = f"{elapsed:.0f} s"
    if output in before:
        left = before[output] - elapsed
        detail += f", ~{left:.0f} s left" if left >= 1 else ", about done (by the last build's time)"
    where = (name or "starting") + (f" {percent}%" if percent is not None else "")
    return text, where, detail, name


class View:
    """What the person sees: ninja's lines, then the running steps."""

    def __init__(self, out, terminal):
        self.out, self.terminal = out, terminal
        self.drawn = 0
        self.phases = {}

    def lines(self, lines):
        self.erase()
        for line in lines:
            self.out.write(line + "\n")
        self.out.flush()

    def steps(self, rows, count):
        if self.terminal:
            self.erase()
            block = [count] + [f"  {text}  {where}  {detail}".replace("    ", "  ")
                               for text, where, detail, _ in rows] if rows else []
            width = os.get_terminal_size(self.out.fileno()).columns or 80  # 0: a pty with no size
            for line in block:
                self.out.write(line[:max(20, width - 1)] + "\n")
            self.drawn = len(block)
        else:  # plain: one line when a step enters a phase
            for text, _, _, name in rows:
                if name and self.phases.get(text) != name:
                    self.phases[text] = name
                    self.out.write(f"  {text}: {name}\n")
        self.out.flush()

    def erase(self):
        if self.drawn:
            self.out.write(f"\x1b[{self.drawn}F\x1b[J")
            self.drawn = 0


def main(argv=None):
    from docbuild.errors import UserError
    from docbuild.ninja_tool import last_durations, ninja_binary
    from docbuild.paths import BuildDir
    from docbuild.step_names import edges as read_edges

    p = argparse.ArgumentParser(prog="python -m docbuild build",
                                description="Run ninja TARGET... and show each running step's progress.")
    p.add_argument("targets", nargs="*", help="ninja targets (default: ninja's default)")
    p.add_argument("-j", dest="jobs", help="ninja -j")
    p.add_argument("-k", dest="keep_going", help="ninja -k")
    p.add_argument("--build-dir", default="build", help="the build dir configure used (default: build)")
    args = p.parse_args(argv)
    top = os.getcwd()
    if not os.path.isfile(os.path.join(top, "build.ninja")):
        print("error: no build.ninja here\n  hint: run `python configure.py` first, in this folder",
              file=sys.stderr)
        return 1
    command = [ninja_binary()]
    for flag, value in (("-j", args.jobs), ("-k", args.keep_going)):
        if value is not None:
            command += [flag, value]
    log = BuildDir(args.build_dir).log("build")
    os.makedirs(os.path.dirname(log), exist_ok=True)
    try:
        before = last_durations(top)
    except UserError:  # a log another ninja wrote: no estimates
        before = {}
    edges = read_edges(os.path.join(top, "build.ninja"))
    view = View(sys.stdout, sys.stdout.isatty())
    since = time.time() - 1  # status files keep whole-second precision on some file systems

    def steps():  # the rows of the steps running now
        now = time.time()
        return [describe(s, before, now) for s in running(edges, top, since)]

    start = time.monotonic()
    with open(log, "wb") as out:
        proc = subprocess.Popen(command + args.targets, cwd=top, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        follow(proc, log, view, steps, start)
    except KeyboardInterrupt:
        view.erase()
        os.killpg(proc.pid, signal.SIGINT)  # as Ctrl-C would reach ninja in a terminal
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        print("docbuild build: interrupted", file=sys.stderr)
        return 130
    view.erase()
    return proc.returncode


def follow(proc, log, view, steps, start):
    """Show ninja's output (from its log file) and the running steps until it exits."""
    offset, partial, count = 0, b"", "[0 done]"
    while True:
        done = proc.poll() is not None
        with open(log, "rb") as f:
            f.seek(offset)
            data = partial + f.read()
            offset = f.tell()
        *complete, partial = data.split(b"\n")
        lines = [line.decode("utf-8", "replace") for line in complete]
        for line in lines:
            match = STATUS.match(line)
            if match:
                count = f"[{match.group(1)}/{match.group(2)} done]"
        if lines:
            view.lines(lines)
        if done:
            if partial:
                view.lines([partial.decode("utf-8", "replace")])
            return
        view.steps(steps(), f"{count} {time.monotonic() - start:.0f} s")
        time.sleep(TICK)


if __name__ == "__main__":
    sys.exit(main())
