"""Run a command and write its resource use where /usr/bin/time -v would.

    python benchmarks/timed.py OUT CMD...

For benchmarks/tools.py on machines without /usr/bin/time: OUT gets the
peak RSS (of the largest child), user and system CPU seconds of the
children, and the wall time of CMD alone (not this wrapper's start-up), in
/usr/bin/time -v's wording.  The exit status is CMD's.
"""

import resource
import subprocess
import sys
import time


def main(argv):
    out, cmd = argv[0], argv[1:]
    start = time.perf_counter()
    rc = subprocess.call(cmd)
    wall = time.perf_counter() - start
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out, "w") as f:
        f.write(f"Maximum resident set size (kbytes): {r.ru_maxrss}\n"
                f"User time (seconds): {r.ru_utime}\nSystem time (seconds): {r.ru_stime}\n"
                f"Wall (seconds): {wall}\n")
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
