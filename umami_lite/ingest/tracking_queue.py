"""A bounded queue of hits written in batches by one writer thread, off the request path.

put() never blocks: when the queue is full the hit is dropped and counted. The writer
takes whatever has accumulated (up to BATCH_MAX) and hands it to write_batch in one go, so
batches grow with load. It starts on the first put() of each process (threads do not
survive a fork, so a pre-forking server's workers each get their own) and is flushed by
close(), which atexit calls.
"""
import atexit
import logging
import os
import queue
import threading

from ..storage.connection import connect

BATCH_MAX = 500
CLOSE_TIMEOUT_S = 10
STOP = object()

log = logging.getLogger("umami_lite.tracking")


class HitQueue:
    """Counts: stored, ignored (bots, IGNORE_IP), failed (write errors), dropped (queue full)."""

    def __init__(self, database, write_batch, maxsize):
        self.database = database
        self.write_batch = write_batch  # (db, hits) -> (stored, ignored), in one transaction
        self.maxsize = maxsize
        self.stored = self.ignored = self.failed = self.dropped = 0
        self._logged_dropped = 0
        self._lock = threading.Lock()
        self._pid = None
        self._queue = None
        self._thread = None

    def put(self, hit):
        """Queues hit for the writer; when the queue is full, counts it as dropped."""
        if self._pid != os.getpid():
            self._start()
        try:
            self._queue.put_nowait(hit)
        except queue.Full:
            with self._lock:
                self.dropped += 1

    def flush(self):
        """Returns once every hit queued so far is written (or counted as failed)."""
        if self._pid != os.getpid():
            return
        hits, thread = self._queue, self._thread
        with hits.all_tasks_done:
            while hits.unfinished_tasks and thread.is_alive():
                hits.all_tasks_done.wait(0.1)

    def close(self):
        """Flushes the queue and stops the writer; put() afterwards starts a new one."""
        atexit.unregister(self.close)
        with self._lock:
            thread, hits = self._thread, self._queue
            if thread is None or self._pid != os.getpid():
                return
            self._pid = self._thread = self._queue = None
        try:
            hits.put(STOP, timeout=CLOSE_TIMEOUT_S)
        except queue.Full:
            log.warning("server-side tracking writer is stuck; %d pageviews lost", hits.qsize())
            return
        thread.join(CLOSE_TIMEOUT_S)

    def counts(self):
        """Returns the counters as a dict (for logs, health checks and tests)."""
        return {"queued": self._queue.qsize() if self._queue is not None else 0,
                "stored": self.stored, "ignored": self.ignored, "failed": self.failed,
                "dropped": self.dropped}

    def _start(self):
        with self._lock:
            if self._pid == os.getpid():
                return
            self._queue = queue.Queue(self.maxsize)
            self._thread = threading.Thread(target=self._run, args=(self._queue,),
                                            name="umami-lite-writer", daemon=True)
            self._thread.start()
            self._pid = os.getpid()
        atexit.register(self.close)

    def _run(self, hits):
        db = connect(self.database)
        try:
            while True:
                batch = [hits.get()]
                while len(batch) < BATCH_MAX:
                    try:
                        batch.append(hits.get_nowait())
                    except queue.Empty:
                        break
                self._write(db, [hit for hit in batch if hit is not STOP])
                for _ in batch:
                    hits.task_done()
                if STOP in batch:
                    return
        finally:
            db.close()

    def _write(self, db, batch):
        if batch:
            try:
                stored, ignored = self.write_batch(db, batch)
            except Exception:  # the writer must outlive a bad batch; the hits are lost
                log.exception("server-side tracking: %d pageviews not stored", len(batch))
                self.failed += len(batch)
            else:
                self.stored += stored
                self.ignored += ignored
                self.failed += len(batch) - stored - ignored
        if self.dropped != self._logged_dropped:
            self._logged_dropped = self.dropped
            log.warning("server-side tracking queue full (%d): %d pageviews dropped so far",
                        self.maxsize, self._logged_dropped)
