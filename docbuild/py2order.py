"""The order in which giza 0.5 (Python 2.7) saw the keys of a YAML mapping.

giza read a step's fields one by one, and for a step the order matters: a
`{text, character}` title resets a level set before it.  It iterated a
Python 2 dict, whose order is neither the written one nor sorted: it is
the slot order of CPython 2.7's hash table, which depends only on the keys
(hash randomization was off by default).  This module replays what PyYAML
(construct_mapping, then construct_yaml_map's update) and CPython 2.7's
dict did, for string keys, to give the same order.
"""

MASK64 = (1 << 64) - 1
MINSIZE = 8
PERTURB_SHIFT = 5


def string_hash(key):
    """CPython 2.7's hash() of a byte string (of an ASCII unicode string too), 64-bit."""
    data = key.encode("utf-8")
    if not data:
        return 0
    x = (data[0] << 7) & MASK64
    for byte in data:
        x = ((1000003 * x) & MASK64) ^ byte
    x ^= len(data)
    if x >= 1 << 63:  # a C long
        x -= 1 << 64
    return -2 if x == -1 else x


def _insert(table, key, hashed):
    """Put `key` in the first free slot of its probe sequence (no deletions here)."""
    mask = len(table) - 1
    i = hashed & MASK64
    perturb = hashed & MASK64
    slot = i & mask
    while table[slot] is not None:
        i = ((i << 2) + i + perturb + 1) & MASK64
        perturb >>= PERTURB_SHIFT
        slot = i & mask
    table[slot] = key


def _resize(keys, minused):
    size = MINSIZE
    while size <= minused:
        size <<= 1
    table = [None] * size
    for key in keys:
        _insert(table, key, string_hash(key))
    return table


def _order(table):
    return [key for key in table if key is not None]


def _set(table, used, key):
    """dict[key] = value for a new key: insert, then grow the table when 2/3 full."""
    _insert(table, key, string_hash(key))
    used += 1
    if used * 3 >= len(table) * 2:  # fill == used: nothing is ever deleted
        table = _resize(_order(table), 4 * used)
    return table, used


def yaml_order(keys, added=()):
    """The order giza iterated a YAML mapping with `keys` (as written) in.

    PyYAML built a dict key by key, then copied it with update() into an
    empty dict (presized when it holds 6 keys or more); giza then set the
    keys `added` on it (a step's missing `ref`).
    """
    table, used = [None] * MINSIZE, 0
    for key in keys:
        table, used = _set(table, used, key)
    first = _order(table)
    table = [None] * MINSIZE
    if len(first) * 3 >= MINSIZE * 2:
        table = _resize([], 2 * len(first))
    for key in first:
        _insert(table, key, string_hash(key))
    used = len(first)
    for key in added:
        table, used = _set(table, used, key)
    return _order(table)
