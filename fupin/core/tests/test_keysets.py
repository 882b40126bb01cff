"""KeySet: what a bulk job remembers of a whole file, in a set and then, past its limit, in a temporary file."""

import pytest

from fupin.core.sql import KeySet


@pytest.mark.parametrize("in_memory", [1000, 3])
def test_keys_added_are_seen_and_no_others(in_memory):
    keys = KeySet(in_memory)
    keys.add(["530102197707140036", "户1", "戶2"])
    keys.add(["x"])
    assert keys.seen(["户1", "戶2", "户2", "x", "y", "530102197707140036"]) == {"户1", "戶2", "x",
                                                                                "530102197707140036"}
    keys.add(["户1", "z"])  # adding a key twice keeps one
    assert keys.seen(["户1", "z"]) == {"户1", "z"}
    keys.close()


def test_past_the_limit_the_keys_leave_memory_for_a_temporary_file():
    keys = KeySet(in_memory=10)
    keys.add(str(n) for n in range(10))
    assert keys.database is None and len(keys.keys) == 10
    keys.add(["10"])
    assert keys.database is not None and keys.keys == set()
    keys.add(str(n) for n in range(11, 120_000))  # more than one query's worth of keys to check
    wanted = [str(n) for n in range(0, 240_000, 2)]
    assert keys.seen(wanted) == {str(n) for n in range(0, 120_000, 2)}
    assert keys.seen([]) == set()
    keys.close()
    assert keys.database is None
