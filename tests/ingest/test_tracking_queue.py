"""HitQueue: bounded, never blocking, one writer, failures counted, close() flushes."""
import logging
import threading

import pytest

from umami_lite.ingest.tracking_queue import HitQueue


class Recorder:
    """A write_batch that records batches; it can be held to simulate a slow database."""

    def __init__(self):
        self.batches = []
        self.threads = set()
        self.release = threading.Event()
        self.release.set()
        self.fail_next = False

    def __call__(self, db, hits):
        self.release.wait()
        self.threads.add(threading.get_ident())
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("disk full")
        self.batches.append(list(hits))
        ignored = sum(1 for hit in hits if hit == "bot")
        return len(hits) - ignored, ignored


@pytest.fixture
def recorder():
    return Recorder()


@pytest.fixture
def hits(tmp_path, recorder):
    queue = HitQueue(str(tmp_path / "q.db"), recorder, maxsize=3)
    yield queue
    recorder.release.set()
    queue.close()


def test_flush_writes_everything_in_order_with_one_writer(tmp_path, recorder):
    hits = HitQueue(str(tmp_path / "q.db"), recorder, maxsize=100)
    for n in range(50):
        hits.put(n)
    hits.put("bot")
    hits.flush()
    assert [hit for batch in recorder.batches for hit in batch] == list(range(50)) + ["bot"]
    assert len(recorder.threads) == 1 and threading.get_ident() not in recorder.threads
    assert hits.counts() == {"queued": 0, "stored": 50, "ignored": 1, "failed": 0,
                             "dropped": 0}
    hits.close()


def test_full_queue_drops_and_counts_instead_of_blocking(hits, recorder, caplog):
    recorder.release.clear()  # the writer is stuck in a slow write
    for n in range(10):
        hits.put(n)
    # At most one hit is in the writer's hands and three wait in the queue.
    assert hits.counts()["dropped"] >= 6
    recorder.release.set()
    with caplog.at_level(logging.WARNING, logger="umami_lite.tracking"):
        hits.flush()
        hits.put("after")
        hits.flush()
    counts = hits.counts()
    assert counts["stored"] + counts["dropped"] == 11
    assert recorder.batches[-1] == ["after"]
    assert f"{counts['dropped']} pageviews dropped" in caplog.text


def test_writer_survives_a_failed_batch(hits, recorder):
    recorder.fail_next = True
    hits.put("lost")
    hits.flush()
    hits.put("kept")
    hits.flush()
    assert recorder.batches == [["kept"]]
    assert hits.counts()["failed"] == 1 and hits.counts()["stored"] == 1


def test_close_flushes_and_put_restarts_a_writer(hits, recorder):
    hits.put(1)
    hits.close()
    assert recorder.batches == [[1]]
    hits.put(2)
    hits.flush()
    assert recorder.batches == [[1], [2]]


def test_flush_and_close_before_any_put_return_at_once(hits, recorder):
    hits.flush()
    hits.close()
    assert recorder.batches == []


def test_a_forked_child_starts_its_own_writer(hits, recorder, monkeypatch):
    hits.put("parent")
    hits.flush()
    parent_writer = hits._thread
    monkeypatch.setattr("umami_lite.ingest.tracking_queue.os.getpid", lambda: -1)  # a forked child
    hits.put("child")
    hits.flush()
    assert hits._thread is not parent_writer and recorder.batches == [["parent"], ["child"]]
