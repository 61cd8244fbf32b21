"""utm: views per value of each UTM parameter."""
from .hits import hits

KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
LIMIT = 50


def query(db, q, kinds):
    """Returns {utm_source: [{utm, views}], ...}: per key, the views in range passing the
    filters that carry a non-empty value, top 50 by views, then value."""
    views, params = hits(q, tuple(k for k in kinds if k == 1))
    answer = {}
    for key in KEYS:  # key comes from KEYS, never from the request
        rows = db.execute(
            f"SELECT h.{key}, count(*) AS views FROM ({views}) h WHERE h.{key} <> ''"
            f" GROUP BY h.{key} ORDER BY views DESC, h.{key} LIMIT ?", [*params, LIMIT])
        answer[key] = [{"utm": utm, "views": count} for utm, count in rows]
    return answer
