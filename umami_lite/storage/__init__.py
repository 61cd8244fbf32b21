"""The one place that knows the engine (SQLite): connections, pragmas,
transactions, group commit, schema, and the rows of websites and users."""
