"""The marketing channel of a hit, from its referrer domain, query and UTM values.

The domain lists are substrings of referrer domains; they name the common sites of each
kind and are umami-lite's own, so a rare site may land in `referral` instead.
"""
SEARCH = ("google.", "bing.", "duckduckgo.", "yahoo.", "yandex.", "baidu.", "ecosia.",
          "qwant.", "startpage.", "search.brave.", "naver.", "seznam.", "ask.com")
SOCIAL = ("facebook.", "instagram.", "twitter.", "t.co", "x.com", "linkedin.", "lnkd.in",
          "reddit.", "pinterest.", "tiktok.", "threads.net", "mastodon.", "bsky.",
          "snapchat.", "tumblr.", "quora.", "vk.com", "weibo.", "news.ycombinator.")
EMAIL = ("mail.", "outlook.", "gmail.", "proton.me", "protonmail.")
SHOPPING = ("amazon.", "ebay.", "etsy.", "aliexpress.", "walmart.", "shopify.", "idealo.")
VIDEO = ("youtube.", "youtu.be", "vimeo.", "twitch.", "dailymotion.", "netflix.")
PAID_MARKERS = ("gclid=", "fbclid=", "msclkid=", "dclid=", "ttclid=", "li_fat_id=",
                "twclid=", "utm_medium=cpc", "utm_medium=ppc", "utm_medium=paid")
PAID_MEDIA = ("cp", "ppc", "retargeting", "paid")


def _has(text, parts):
    return any(part in text for part in parts)


def channel(referrer_domain, url_query, utm_medium, utm_source, hostname):
    """Returns the channel name (direct, paidAds, referral, affiliate, sms, organicSearch,
    paidSocial, email, ...; Unknown when no rule holds). A missing referrer or query
    counts as empty, so a hit without either is direct."""
    domain = (referrer_domain or "").lower()
    query = (url_query or "").lower()
    medium, source = (utm_medium or "").lower(), (utm_source or "").lower()
    prefix = "paid" if _has(medium, PAID_MEDIA) else "organic"
    if not domain and not query:
        return "direct"
    if _has(query, PAID_MARKERS):
        return "paidAds"
    if _has(medium, ("referral", "app", "link")):
        return "referral"
    if "affiliate" in medium:
        return "affiliate"
    if "sms" in medium or "sms" in source:
        return "sms"
    rules = ((SEARCH, "organic", prefix + "Search"), (SOCIAL, None, prefix + "Social"),
             (EMAIL, "mail", "email"), (SHOPPING, "shop", prefix + "Shopping"),
             (VIDEO, "video", prefix + "Video"))
    for domains, medium_word, name in rules:
        if _has(domain, domains) or (medium_word and medium_word in medium):
            return name
    if domain and domain != (hostname or "").lower().removeprefix("www."):
        return "referral"
    return "Unknown"
