"""Summaries of completed hours, days and weeks, built from what ingest stored;
read through queries/."""
