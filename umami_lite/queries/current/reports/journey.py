"""journey: the most common sequences of pages and events within a visit."""
from collections import Counter

from .hits import hits

SLOTS = 7
LIMIT = 100
UNDEFINED = object()  # a slot beyond `steps`: merged into one entry, answered as null


def _sequences(db, q, kinds, steps):
    """Returns a Counter of visits' first `steps` labels (None where a visit is shorter)."""
    source, params = hits(q, kinds)
    counts, visit, labels = Counter(), None, []
    rows = db.execute(
        f"SELECT h.session_id, h.visit_id, coalesce(nullif(h.name, ''), h.url_path)"
        f" FROM ({source}) h ORDER BY h.session_id, h.visit_id, h.created_at, h.kind", params)
    for session, visit_id, label in rows:
        if (session, visit_id) != visit:
            if visit is not None:
                counts[_padded(labels, steps)] += 1
            visit, labels = (session, visit_id), []
        if len(labels) < steps:
            labels.append(label)
    if visit is not None:
        counts[_padded(labels, steps)] += 1
    return counts


def _padded(labels, steps):
    return tuple(labels) + (None,) * (steps - len(labels))


def _ends_with(sequence, end_step):
    """Returns True when end_step is the last non-empty item of sequence."""
    steps = len(sequence)
    return sequence[-1] == end_step or any(
        sequence[i] == end_step and sequence[i + 1] is None for i in range(steps - 1))


def _items(sequence):
    """Returns the answered items: the 7 slots with equal neighbours merged."""
    slots = list(sequence) + [UNDEFINED] * (SLOTS - len(sequence))
    merged = [item for i, item in enumerate(slots) if i == 0 or item != slots[i - 1]]
    return [None if item is UNDEFINED else item for item in merged]


def query(db, q, kinds, steps, start_step=None, end_step=None):
    """Returns up to 100 [{items, count}] by count descending: visits (session, visit id) of
    hits in range passing the filters, grouped by their first `steps` labels (event name,
    else path), kept when they start with start_step and end with end_step."""
    counts = _sequences(db, q, kinds, steps)
    kept = [(sequence, count) for sequence, count in counts.items()
            if (start_step is None or sequence[0] == start_step)
            and (end_step is None or _ends_with(sequence, end_step))]
    kept.sort(key=lambda pair: (-pair[1], [item or "" for item in pair[0]]))
    return [{"items": _items(sequence), "count": count} for sequence, count in kept[:LIMIT]]
