"""Interned keys (rollup_key): the ids summaries store in place of text."""

from ..storage.lists import in_batches


def intern_keys(db, website_id, kind, keys):
    """Returns the key ids of (a, b, c) text triples, creating missing ones."""
    known = known_keys(db, website_id, kind, keys)
    missing = [key for key in dict.fromkeys(keys) if key not in known]
    if missing:
        db.executemany("INSERT INTO rollup_key (website_id, kind, a, b, c) VALUES (?, ?, ?, ?, ?)",
                       [(website_id, kind, *key) for key in missing])
        known.update(known_keys(db, website_id, kind, missing))
    return [known[key] for key in keys]


def known_keys(db, website_id, kind, keys):
    """Returns {(a, b, c): key_id} of the keys already interned (batched lookups by a)."""
    wanted = set(keys)
    known = {}
    for among, params in in_batches(db, "a", {key[0] for key in wanted}):
        for key_id, *key in db.execute(
                f"SELECT key_id, a, b, c FROM rollup_key WHERE website_id = ? AND kind = ?"
                f" AND {among}", (website_id, kind, *params)):
            if tuple(key) in wanted:
                known[tuple(key)] = key_id
    return known
