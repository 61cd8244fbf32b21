"""breakdown: views, visitors, visits, bounces and time per combination of chosen fields."""
from .hits import hits

# field (a filter name) -> its column on the view row h or its session s. umami-lite
# stores no region or city, and a view has no event name.
FIELDS = {
    "path": "h.url_path", "referrer": "h.referrer_domain", "title": "h.page_title",
    "query": "h.url_query", "os": "s.os", "browser": "s.browser", "device": "s.device",
    "country": "s.country", "region": "NULL", "city": "NULL", "tag": "h.tag",
    "hostname": "s.hostname", "distinctId": "s.distinct_id", "language": "s.language",
    "event": "NULL", "utmSource": "h.utm_source", "utmMedium": "h.utm_medium",
    "utmCampaign": "h.utm_campaign", "utmContent": "h.utm_content", "utmTerm": "h.utm_term",
}
LIMIT = 500


def query(db, q, kinds, fields):
    """Returns up to 500 rows {views, visitors, visits, bounces, totaltime, <field>: value}
    over the views in range passing the filters, by visitors, then views (descending).

    Inner groups are (field values, session, visit): bounces count the inner groups of
    one view, totaltime sums their whole seconds from first to last view."""
    views, params = hits(q, tuple(k for k in kinds if k == 1))
    names = [f"f{i}" for i in range(len(fields))]
    chosen = ", ".join(f"{FIELDS[field]} AS {name}" for field, name in zip(fields, names))
    outer = ", ".join(names)
    rows = db.execute(
        f"SELECT {outer}, sum(c) AS views, count(DISTINCT session_id) AS visitors,"
        " count(*) AS visits, sum(c = 1) AS bounces, sum(t) AS totaltime FROM ("
        f" SELECT {chosen}, h.session_id, count(*) AS c,"
        "  (max(h.created_at) - min(h.created_at)) / 1000 AS t"
        f" FROM ({views}) h JOIN session s ON s.session_id = h.session_id"
        f" GROUP BY {outer}, h.session_id, h.visit_id)"
        f" GROUP BY {outer} ORDER BY visitors DESC, views DESC, {outer} LIMIT ?",
        [*params, LIMIT]).fetchall()
    return [{"views": r["views"], "visitors": r["visitors"], "visits": r["visits"],
             "bounces": r["bounces"], "totaltime": r["totaltime"],
             **{field: r[name] for field, name in zip(fields, names)}} for r in rows]
