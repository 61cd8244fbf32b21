"""Interned keys: ids for texts and texts for ids, in one statement or in chunks."""
from umami_lite.rollups import keys
from umami_lite.rollups import read as rollup_read
from umami_lite.storage import connection as db, sites


def _website(conn):
    admin = conn.execute("SELECT user_id FROM account").fetchone()[0]
    return sites.create(conn, admin, "Site", "example.com")["website_id"]


def test_key_texts_returns_every_asked_id_alone_in_chunks_and_by_scan(tmp_path):
    path = str(tmp_path / "data.db")
    db.prepare(path, "pw-1234567890")
    conn = db.connect(path)
    with db.transaction(conn):
        website, other = _website(conn), _website(conn)
        texts = [(f"/page/{n}", "", "") for n in range(6200)]
        ids = keys.intern_keys(conn, website, "url", texts)
        keys.intern_keys(conn, other, "url", [("/elsewhere", "", "")])
    by_id = dict(zip(ids, texts))
    for wanted in (ids[:1], ids[:3], ids[:1201], ids[100:5100], ids):  # one, chunks, a scan
        assert rollup_read.key_texts(conn, website, "url", wanted) == \
            {key: by_id[key] for key in wanted}
    assert rollup_read.key_texts(conn, website, "url", []) == {}
    conn.close()
