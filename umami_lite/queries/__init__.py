"""The time-series and summary queries behind /stats, /pageviews, /events and /active."""
