"""The step runner: every external tool that ninja starts runs under it.

    python -m docbuild.run --step NAME --log FILE [--stamp FILE]
                           [--timeout S] [--idle S] [--show N] -- COMMAND...

Why: the scripts docbuild replaces hung when a child's output filled a pipe
nobody read, or when a worker hung and its parent waited forever.  Here the
child reads /dev/null and writes only to the log file; runs in a session
(process group) of its own, stopped as a whole on a timeout, on inactivity,
on Ctrl-C and after it exits; and cannot hide: on Linux the runner is a
"child subreaper", so a process that left the group is found through /proc
and ended with the step.  The stamp is written only when the child
succeeded; the result goes to <log>.status; a failure is reported with the
step, the reason, the last lines of the log and its path.

No threads: one process waits on a pidfd with a timeout (Linux) or, where
there is none (macOS; forced with DOCBUILD_RUNNER=portable, which is how the
tests run this path on Linux), asks waitpid every few milliseconds.  A Sphinx
step (`<this python> -m docbuild.sphinx_step ...`) runs in a forked child,
set up alike, without a second Python start-up per step.
"""

import fcntl
import os
import select
import signal
import stat
import sys
import time

TAIL_LINES = 30
GRACE = 5.0  # seconds between TERM and KILL
TIMED_OUT = 124  # the exit status of a step that ran out of time, as timeout(1)'s
WARNING_MARKS = (b"WARNING:", b"ERROR:", b"CRITICAL:", b"SEVERE:")
PORTABLE = os.environ.get("DOCBUILD_RUNNER") == "portable" or not hasattr(os, "pidfd_open")


class Interrupted(Exception):
    signum = property(lambda self: self.args[0])


def _on_signal(signum, frame):
    raise Interrupted(signum)


def parse(argv):
    opts = {"step": "step", "log": None, "stamp": None, "timeout": 0.0, "idle": 0.0, "show": 0}
    if "--" not in argv:
        raise SystemExit("usage: python -m docbuild.run --step NAME --log FILE "
                         "[--stamp FILE] [--timeout S] [--idle S] -- COMMAND...")
    split = argv.index("--")
    own, command = argv[:split], argv[split + 1:]
    for name, value in zip(own[::2], own[1::2]):
        key = name.lstrip("-")
        if key not in opts:
            raise SystemExit(f"docbuild.run: unknown option {name}")
        opts[key] = float(value) if key in ("timeout", "idle") else int(value) if key == "show" else value
    if not opts["log"] or not command:
        raise SystemExit("docbuild.run: --log and a command are required")
    return opts, command


def spawn(command, logfd):
    """Start `command` in a new session, stdin /dev/null, output to logfd."""
    if PORTABLE:  # posix_spawn's setsid is a glibc feature
        import subprocess

        child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=logfd, stderr=logfd,
                                 start_new_session=True, restore_signals=False)
        child.returncode = 0  # waited for by pid here: Popen must not reap it
        return child.pid
    return os.posix_spawnp(command[0], command, os.environ, setsid=True, file_actions=[
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_DUP2, logfd, 1), (os.POSIX_SPAWN_DUP2, logfd, 2)])


# Python modules a step runs in a forked child of the runner, not a new interpreter: that
# skips Python's start-up (site, every package's .pth files), which costs more than the runner.
IN_PROCESS = {"docbuild.sphinx_step", "docbuild.sphinxconf", "docbuild.generate"}


def in_process(command):
    """(module, args) when `command` is `<this python> -m <module> args...`
    for a module in IN_PROCESS, else None."""
    if len(command) < 3 or command[1] != "-m" or command[2] not in IN_PROCESS:
        return None
    exe, python = command[0], sys.executable
    if exe == python or os.path.isabs(exe) and os.path.realpath(exe) == os.path.realpath(python):
        return command[2], command[3:]
    return None


def fork_module(module, args, logfd, close=()):
    """Run `module`.main(args) in a forked child, set up as spawn() sets up a
    command: a session of its own, stdin /dev/null, output to logfd."""
    _flush()
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        os.setsid()
        for sig, handler in ((signal.SIGINT, signal.default_int_handler),
                             (signal.SIGTERM, signal.SIG_DFL), (signal.SIGHUP, signal.SIG_DFL)):
            signal.signal(sig, handler)
        null = os.open(os.devnull, os.O_RDONLY)
        for fd, to in ((null, 0), (logfd, 1), (logfd, 2)):
            os.dup2(fd, to)
        for fd in (null, logfd, *close):
            os.close(fd)
        code = _run_module(module, args)
    except BaseException:  # noqa: B036 (a child must never return into the runner)
        _traceback()
    finally:
        os._exit(code)


def _run_module(module, args):
    """What `python -m module args` does, in this process; the exit status."""
    import atexit
    import importlib

    sys.argv = [module, *args]
    try:
        try:
            code = importlib.import_module(module).main(args)
        except SystemExit as exc:
            code = exc.code
        except KeyboardInterrupt:
            atexit._run_exitfuncs()
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGINT)  # die of it, as python does
            code = 130
        if code is not None and not isinstance(code, int):
            print(code, file=sys.stderr)
            code = 1
        atexit._run_exitfuncs()
    except Exception:
        _traceback()
        code = 1
    _flush()
    return (code or 0) & 0xFF


def _traceback():
    try:
        import traceback
        traceback.print_exc()
    except BaseException:  # noqa: B036 (a forked child must reach its os._exit)
        pass


def _flush():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass


def become_subreaper():
    """Make orphaned descendants children of this process, not of init, so that one that left
    the step's group can still be ended.  Linux only; elsewhere the group is all there is."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def descendants(pid=None):
    """Every living descendant of `pid` (this process by default), from /proc."""
    found, todo = [], [pid or os.getpid()]
    while todo:
        parent = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{parent}/task/{task}/children", "rb") as f:
                    children = [int(c) for c in f.read().split()]
            except OSError:
                continue
            found += children
            todo += children
    return found


def reap_children():
    """Collect the exit status of every child that has ended (orphans reparented here)."""
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def end_descendants():
    """TERM, then after GRACE seconds KILL, every process left below this
    runner, wherever its session or group: a step leaves nothing running."""
    left, deadline = descendants(), time.monotonic() + GRACE
    for pid in left:
        send(os.kill, pid, signal.SIGTERM)
    while left and time.monotonic() < deadline:
        time.sleep(0.02)
        reap_children()
        left = descendants()
    for _ in range(100):  # KILL until none is left (one may fork meanwhile)
        if not left:
            return
        for pid in left:
            send(os.kill, pid, signal.SIGKILL)
        time.sleep(0.01)
        reap_children()
        left = descendants()


def send(kill, target, signum):
    """kill(target, signum), os.kill or os.killpg; whether the target is there."""
    try:
        kill(target, signum)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def reap(pid, timeout):
    """Wait up to `timeout` seconds for `pid`; its wait status, or None."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:  # reaped already: interrupted while stopping grandchildren
            return 0
        if done or time.monotonic() >= deadline:
            return status if done else None
        time.sleep(0.02)


def stop_group(pgid, first=signal.SIGTERM, pid=None):
    """Signal the group, give it GRACE seconds, then KILL what is left; the
    main child's wait status when `pid` is given."""
    send(os.killpg, pgid, first)
    deadline = time.monotonic() + GRACE
    status = None if pid is None else reap(pid, GRACE)
    while send(os.killpg, pgid, 0) and time.monotonic() < deadline:
        time.sleep(0.02)
        if pid is None or status is not None:  # never the main child's status: it is wanted
            reap_children()  # orphans of the group are ours (subreaper): zombies until reaped
    send(os.killpg, pgid, signal.SIGKILL)
    return reap(pid, float("inf")) if pid is not None and status is None else status


def supervise(pid, logfd, timeout, idle):
    """Wait for the child; (wait status, reason or None).  Woken when its pidfd
    says it ended or, on the portable path, to ask waitpid: after 2 ms, then
    twice as long each time up to 32 ms (most steps are short)."""
    pidfd = None if PORTABLE else os.pidfd_open(pid)
    poller = select.poll()
    if pidfd is not None:
        poller.register(pidfd, select.POLLIN)
    # ninja reads our stderr through a pipe: POLLERR on it means ninja is gone
    # (killed with SIGKILL), so nobody will record this step's result.
    watch_reader = stat.S_ISFIFO(os.fstat(2).st_mode)
    if watch_reader:
        poller.register(2, 0)
    start = last_change = time.monotonic()
    last_size, nap = 0, 1
    try:
        while True:
            nap = min(nap * 2, 32) if pidfd is None else 250 if (timeout or idle) else 60000
            events = poller.poll(nap)
            if pidfd is None or any(fd == pidfd for fd, _ in events):
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    return status, None
            if watch_reader and any(fd == 2 and ev & (select.POLLERR | select.POLLHUP) for fd, ev in events):
                return stop_group(pid, pid=pid), "ninja went away (killed?)"
            now = time.monotonic()
            size = os.fstat(logfd).st_size
            if size != last_size:
                last_size, last_change = size, now
            if timeout and now - start > timeout:
                return stop_group(pid, pid=pid), f"timed out after {timeout:g} s"
            if idle and now - last_change > idle:
                return stop_group(pid, pid=pid), f"no output for {idle:g} s (hung?)"
    finally:
        if pidfd is not None:
            os.close(pidfd)


def describe(status):
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        return 128 + sig, f"killed by signal {signal.Signals(sig).name}"
    code = os.WEXITSTATUS(status)
    return code, f"exited with status {code}"


def read_tail(path, lines=TAIL_LINES):
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        f.seek(max(0, f.tell() - 65536))
        data = f.read()
    return [line.decode("utf-8", "replace") for line in data.splitlines()[-lines:]]


def warnings_in(path, limit=20):
    """The warning lines of a log (Sphinx and docutils style), at most `limit`."""
    found, count = [], 0
    if os.path.getsize(path) > 64 * 2**20:
        return found, count
    with open(path, "rb") as f:
        for line in f:
            if any(mark in line[:2000] and (line.startswith(mark) or b": " + mark in line)
                   for mark in WARNING_MARKS):
                count += 1
                if len(found) < limit:
                    found.append(line.decode("utf-8", "replace").rstrip())
    return found, count


def report_failure(step, reason, log):
    out = [f"docbuild: step {step!r} failed: {reason}"]
    found, count = warnings_in(log)
    if count:  # under -W the cause is a warning far above the tail
        out.append(f"--- {count} warning(s) in the log" + (f", first {len(found)}:" if count > len(found) else ":"))
        out += ["  " + line for line in found]
    say(*out, f"--- last lines of {log} ---", *("  " + line for line in read_tail(log)),
        f"--- full log: {log}")


def say(*lines):
    """Print to stderr (ninja's pipe) unless nobody reads it any more (ninja went away)."""
    try:
        print("\n".join(lines), file=sys.stderr, flush=True)
    except OSError:
        pass


def cannot_write(step, path, exc):
    """One line, no traceback, for a log, lock or stamp the runner cannot write."""
    say(f"docbuild: step {step!r}: cannot write {path}: {exc.strerror or exc}; make the build "
        f"folder writable (or configure with --build-dir on a writable disk) and run ninja again")
    return 1


def open_log(log, stamp):
    """(lockfd, logfd): the step's lock, taken, and its log, emptied.  One run
    of a step at a time: after ninja was killed, the runner it left may still
    be stopping its tool, which writes the same outputs (and doctree dir)."""
    os.makedirs(os.path.dirname(log) or ".", exist_ok=True)
    lockfd = os.open(log + ".lock", os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(lockfd, fcntl.LOCK_EX)
        if stamp and os.path.lexists(stamp):  # a failed or interrupted step leaves no stamp
            os.unlink(stamp)
        return lockfd, os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o644)
    except BaseException:
        os.close(lockfd)
        raise


def write_status(log, status, code=None, reason=None):
    """<log>.status, atomically: one line `STATUS EXIT REASON` (ok, failed,
    interrupted or running; the exit status or `-`; why, for people), which
    reports read (a stamp is gone after `ninja -t clean`, the log stays).
    `running`, written first, is left by a runner killed outright."""
    path = log + ".status"
    reason = " ".join((reason or "").split())
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write(f"{status} {'-' if code is None else code} {reason}".rstrip() + "\n")
    os.replace(path + ".tmp", path)


def finish(log, code, status=None, reason=None):
    """Record the result (best effort: a build folder that became unwritable
    already produced its own message) and return the exit status."""
    try:
        write_status(log, status or ("ok" if code == 0 else "failed"), code, reason)
    except OSError:
        pass
    return code


def main(argv=None):
    opts, command = parse(sys.argv[1:] if argv is None else argv)
    step, log, stamp = opts["step"], opts["log"], opts["stamp"]
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)
    try:
        lockfd, logfd = open_log(log, stamp)
        write_status(log, "running")
    except Interrupted as exc:
        return 128 + exc.signum
    except OSError as exc:
        return cannot_write(step, exc.filename or log, exc)
    become_subreaper()
    pid = None
    try:
        try:
            target = in_process(command)
            pid = fork_module(*target, logfd, close=(lockfd,)) if target else spawn(command, logfd)
        except OSError as exc:
            why = f"cannot run {command[0]}: {exc.strerror}"
            os.write(logfd, f"docbuild: {why}\n".encode())
            report_failure(step, why, log)
            return finish(log, 127, reason=why)
        status, reason = supervise(pid, logfd, opts["timeout"], opts["idle"])
        stop_group(pid)  # grandchildren that outlived the step
        end_descendants()  # and those that left its group
    except Interrupted as exc:
        if pid is not None:
            stop_group(pid, first=exc.signum, pid=pid)
            end_descendants()
        say(f"docbuild: step {step!r} interrupted; log: {log}")
        return finish(log, 128 + exc.signum, "interrupted", f"signal {signal.Signals(exc.signum).name}")
    finally:
        os.close(logfd)
    code, what = describe(status)
    if reason or code:
        report_failure(step, reason or what, log)
        return finish(log, TIMED_OUT if reason and reason.startswith("timed out") else code or 1,
                      reason=reason or what)
    if stamp:
        try:
            open(stamp, "wb").close()
        except OSError as exc:
            return finish(log, cannot_write(step, stamp, exc), reason=f"cannot write {stamp}")
    if opts["show"]:  # a step whose last lines are its result (staging, publishing)
        print("\n".join(read_tail(log, opts["show"])), flush=True)
    finish(log, 0)
    found, count = warnings_in(log)
    if count:
        more = f" (first {len(found)} shown)" if count > len(found) else ""
        say(f"docbuild: {step}: {count} warning(s){more}; log: {log}",
            *("  " + line for line in found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
