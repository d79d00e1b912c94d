"""Stand-in tool for benchmarks/stress.py:  python standin.py MODE OUT IN

IN is a JSON file {"name", "token", "flood_mb"}.  Everything it prints goes
straight to file descriptors 1 and 2 (no buffering), so that the exact bytes
in the log are known: see expected_log() in stress.py.
"""

import json
import os
import signal
import sys
import time

REPEAT = 2000


def content(token):
    return ("%s\n" % token).encode() * REPEAT


def crash_code(token):
    return 3 if sum(token.encode()) % 2 else 1


def flood_chunks(name, mb):
    """(fd, bytes) pairs: `mb` MiB in 1 KiB lines, 64 lines per write, alternating."""
    line_count = mb * 1024
    for start in range(0, line_count, 64):
        block = b"".join(b"%s flood %09d " % (name.encode(), i) + b"x" * (1024 - 18 - len(name)) + b"\n"
                         for i in range(start, min(start + 64, line_count)))
        yield (1 if (start // 64) % 2 == 0 else 2), block


def say(fd, text):
    data = text if isinstance(text, bytes) else text.encode()
    while data:
        data = data[os.write(fd, data):]


def write_atomic(path, data):
    tmp = "%s.tmp%d" % (path, os.getpid())
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def main():
    mode, out, inp = sys.argv[1:4]
    with open(inp) as f:
        spec = json.load(f)
    name, token = spec["name"], spec["token"]
    if mode == "hang":  # not a byte of output: only the idle watchdog can end this
        while True:
            time.sleep(3600)
    say(1, "standin %s %s %s start\n" % (name, mode, token))
    if mode == "crash":
        say(1, "standin %s crashing %s\n" % (name, token))
        if crash_code(token) == 3:
            sys.exit(3)
        raise RuntimeError("injected crash %s" % token)
    if mode == "slow":
        for i in range(300):
            say(1, "standin %s tick %d\n" % (name, i))
            time.sleep(0.2)
    if mode == "sigkill":
        say(2, "standin %s writing %s\n" % (name, token))
        data = content(token)
        with open("%s.tmp%d" % (out, os.getpid()), "wb") as f:
            f.write(data[:len(data) // 2])
            f.flush()
            os.kill(os.getpid(), signal.SIGKILL)
    if mode == "flood":
        for fd, block in flood_chunks(name, spec["flood_mb"]):
            say(fd, block)
    if mode == "grandchild":
        if os.fork() == 0:  # keeps fds 1 and 2 (the log) open
            time.sleep(300)
            os._exit(0)
    write_atomic(out, content(token))
    say(2, "standin %s done %s\n" % (name, token))
    return 0


if __name__ == "__main__":
    sys.exit(main())
