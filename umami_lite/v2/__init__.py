"""The current Umami API (v2/v3 shapes) beside the v1 routes, on the same storage.

send: POST /api/send and /api/batch; websites: /api/websites/{uuid}[...];
analytics: /api/websites/{uuid}/stats|pageviews|metrics|events/series|active|event-data/*
and /api/realtime/{uuid}.
"""
