"""Queries with the current API's semantics: visits are (session_id, visit_id) groups."""
