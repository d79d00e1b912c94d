"""Read a file from the user's tree without trusting what it is.

A name such as `f.rst` may be a FIFO (reading it waits for a writer that
never comes) or a symlink to /dev/zero (reading it never ends).  So a file
is opened without blocking, checked to be a regular file on the open file
(no race with a rename), and read up to a size cap.
"""

import os
import stat

MAX_SIZE = 64 * 2**20  # bytes; larger source files are refused (docs/configure.rst)


class NotReadable(Exception):
    """The file is not a regular file, or larger than MAX_SIZE: why, in words
    (and its stat, in `st`)."""

    def __init__(self, why, st):
        super().__init__(why)
        self.st = st


def _kind(mode):
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "a special file"


def read(path, limit=MAX_SIZE):
    """(bytes, stat) of the regular file at `path`.

    Raises OSError when it cannot be opened, NotReadable when it is not a
    regular file or holds more than `limit` bytes.
    """
    # O_NONBLOCK: opening a FIFO waits for a writer otherwise.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotReadable(f"{_kind(st.st_mode)}, not a regular file", st)
        if st.st_size > limit:
            raise NotReadable(f"larger than {limit // 2**20} MiB", st)
        parts = [os.read(fd, st.st_size + 1)]
        size = len(parts[0])
        while parts[-1]:  # the file grew, or a short read
            if size > limit:
                raise NotReadable(f"larger than {limit // 2**20} MiB", st)
            parts.append(os.read(fd, 1 << 16))
            size += len(parts[-1])
    finally:
        os.close(fd)
    return b"".join(parts), st
