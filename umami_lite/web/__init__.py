"""The web edge: the blueprints and the WSGI fast lane.

Each view parses, validates, checks access, calls ingest/ or queries/ and answers;
nothing here runs SQL of its own."""
