"""What `umami-lite serve` logs: gunicorn's logger without client addresses or headers.

Privacy rule: no raw IP and no user agent in any log. gunicorn's own error log names the
client's IP on every malformed request ("Invalid request from ip=...") and quotes the
offending header, which may be the user agent; its access log format can print both. This
logger keeps only the kind of error, and the access log (off unless `--access-log`) has a
fixed format without address, user agent, referrer or query string.
"""
import re

from gunicorn.glogging import Logger

# time, "METHOD /path" (no query string), status, response bytes, duration in ms
ACCESS_LOG_FORMAT = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
INVALID_REQUEST = "Invalid request from ip="
# Letters and spaces only: an error's kind ("Invalid HTTP Header"), never an IP (digits,
# dots, colons) nor a quoted header value.
ERROR_KIND = re.compile(r"[A-Za-z ]*")


def scrub(message):
    """Returns gunicorn's invalid-request warning without the client IP and request bytes."""
    if not isinstance(message, str) or not message.startswith(INVALID_REQUEST):
        return message
    error = message[len(INVALID_REQUEST):].split(": ", 1)[-1]
    kind = ERROR_KIND.match(error).group().strip() or "unreadable request"
    return f"Invalid request: {kind} (client address and content not logged)"


class PrivateLogger(Logger):
    """gunicorn's Logger whose warnings never carry a client's IP or header values."""

    def warning(self, msg, *args, **kwargs):
        super().warning(scrub(msg), *args, **kwargs)
