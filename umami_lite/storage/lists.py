"""`column IN (values)` for a long list of values, written as each engine takes it best."""
BATCH = 500  # values bound per SQLite statement


def in_batches(db, column, values, batch=BATCH):
    """Yields (sql, params): a condition that column is one of values, with its parameters,
    for each batch of values; no condition for no values ("IN ()" is SQLite's alone).

    SQLite gets `column IN (?, ...)` per batch of at most `batch` values. PostgreSQL gets
    one `column = ANY(?)` of all of them, the list bound as one array: it parses and plans
    that faster than a list of hundreds of literals, which costs it milliseconds a
    statement."""
    values = list(dict.fromkeys(_plain(v) for v in values))
    if not values:
        return
    if getattr(db, "engine", None) == "postgres":
        yield f"{column} = ANY(?)", [values]
        return
    for start in range(0, len(values), batch):
        part = values[start:start + batch]
        yield f"{column} IN ({', '.join('?' * len(part))})", part


def _plain(value):
    """Returns value as a Python scalar: numpy integers are bound as neither engine's."""
    return value.item() if hasattr(value, "item") else value
