"""/event-data/events|properties|values: the typed properties of events."""

# Umami's numeric data types.
DATA_TYPES = {"string": 1, "number": 2, "boolean": 3, "date": 4}
# A property value as text: numbers without a trailing .0, others as stored.
VALUE_SQL = ("CASE WHEN d.data_type = 'number' THEN CASE WHEN d.number_value ="
             " CAST(d.number_value AS INTEGER) THEN CAST(CAST(d.number_value AS INTEGER) AS TEXT)"
             " ELSE CAST(d.number_value AS TEXT) END ELSE d.string_value END")


def _joined(q):
    where, params = q.where("event", "e")
    return f"FROM event e JOIN event_data d ON d.event_id = e.event_id WHERE {where}", params


def events(db, q):
    """Returns [{eventName, propertyName, dataType, total}] by total desc, then names."""
    source, params = _joined(q)
    result = db.execute(
        f"SELECT e.event_value, d.data_key, d.data_type, count(*) AS total {source}"
        " GROUP BY e.event_value, d.data_key, d.data_type"
        " ORDER BY total DESC, e.event_value, d.data_key", params)
    return [{"eventName": name, "propertyName": key, "dataType": DATA_TYPES[kind],
             "total": total} for name, key, kind, total in result]


def properties(db, q):
    """Returns [{eventName, propertyName, total}] by total desc, then names."""
    source, params = _joined(q)
    result = db.execute(
        f"SELECT e.event_value, d.data_key, count(*) AS total {source}"
        " GROUP BY e.event_value, d.data_key ORDER BY total DESC, e.event_value, d.data_key",
        params)
    return [{"eventName": name, "propertyName": key, "total": total}
            for name, key, total in result]


def values(db, q, event_name, property_name):
    """Returns [{value, total}] of one event's property, by total desc, then value."""
    source, params = _joined(q)
    result = db.execute(
        f"SELECT {VALUE_SQL} AS value, count(*) AS total {source}"
        " AND e.event_value = ? AND d.data_key = ? GROUP BY value ORDER BY total DESC, value",
        [*params, event_name, property_name])
    return [{"value": value, "total": total} for value, total in result]
