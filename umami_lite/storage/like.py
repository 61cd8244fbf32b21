"""LIKE patterns: the engine's escaping of a searched text (used with ESCAPE '\\')."""


def like_pattern(text):
    """Returns a LIKE pattern (ESCAPE '\\') matching any value that contains text."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
