"""in_batches(): `column IN (values)` on each engine, for lists longer than one batch."""
import numpy as np
import pytest

from umami_lite.storage import connection as db
from umami_lite.storage.lists import in_batches


@pytest.fixture
def conn(db_path):
    conn = db.connect(db_path)
    conn.execute("CREATE TABLE item (n INTEGER NOT NULL, t TEXT)")
    conn.executemany("INSERT INTO item (n, t) VALUES (?, ?)",
                     [(n, None if n % 7 == 0 else f"t{n}") for n in range(3000)])
    yield conn
    conn.close()


def _found(conn, column, values, batch=500):
    found = []
    for among, params in in_batches(conn, column, values, batch):
        found += [row[0] for row in conn.execute(f"SELECT n FROM item WHERE {among}", params)]
    return sorted(found)


def test_integers_beyond_one_batch_with_repeats_and_numpy_values(conn):
    wanted = [*range(0, 2400, 2), 5, 5, 10**12]
    values = [np.int64(v) for v in wanted]
    assert _found(conn, "n", values, batch=100) == sorted(set(range(0, 2400, 2)) | {5})


def test_texts_and_null(conn):
    # NULL matches no row, as in an IN list
    assert _found(conn, "t", ["t1", "t8", None, "t4000"]) == [1, 8]
    assert _found(conn, "t", [None]) == []


def test_no_values_no_condition(conn):
    assert list(in_batches(conn, "n", [])) == []


def test_sqlite_batches_postgres_one_array(conn, engine):
    parts = list(in_batches(conn, "n", range(1200)))
    if engine == "sqlite":
        assert [len(params) for _, params in parts] == [500, 500, 200]
        assert parts[0][0].startswith("n IN (?, ?")
    else:
        assert parts == [("n = ANY(?)", [list(range(1200))])]
