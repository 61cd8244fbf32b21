"""`umami-lite serve`'s listening sockets: one per worker, and never a port another server has."""
import socket
import subprocess
import sys
import time
import urllib.request

from servers import LiveServer


def listening_sockets(port):
    """Returns how many sockets listen on 127.0.0.1:port (Linux /proc/net/tcp)."""
    with open("/proc/net/tcp") as table:
        rows = [line.split() for line in table.read().splitlines()[1:]]
    return sum(1 for row in rows
               if row[3] == "0A" and row[1] == f"0100007F:{port:04X}")  # 0A: LISTEN


def test_each_worker_listens_on_its_own_socket(tmp_path):
    server = LiveServer(tmp_path / "a.db", workers=2)
    try:
        deadline = time.monotonic() + 20  # (ready once one worker answers)
        while listening_sockets(server.port) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        # the kernel spreads new connections over these; one shared socket went to
        # whichever worker woke first
        assert listening_sockets(server.port) == 2
    finally:
        server.stop()


def test_a_second_server_on_a_taken_port_exits_with_a_clear_error(tmp_path):
    first = LiveServer(tmp_path / "a.db")
    try:
        second = subprocess.run(
            [sys.executable, "-m", "umami_lite.cli", "--database", str(tmp_path / "b.db"),
             "serve", "--port", str(first.port)],
            capture_output=True, text=True, timeout=60)
        assert second.returncode != 0
        assert f"cannot listen on 127.0.0.1:{first.port}" in second.stderr
        assert "Traceback" not in second.stderr
        assert listening_sockets(first.port) == 1
        with urllib.request.urlopen(first.url + "/api/heartbeat", timeout=5) as answer:
            assert answer.status == 200
    finally:
        first.stop()


def test_a_server_restarts_on_its_port_at_once(tmp_path):
    first = LiveServer(tmp_path / "a.db")
    with socket.create_connection(("127.0.0.1", first.port), timeout=5) as client:
        client.sendall(b"GET /api/heartbeat HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        while client.recv(4096):  # until the server closes: its side stays in TIME_WAIT
            pass
    first.stop()
    again = LiveServer(tmp_path / "a.db", port=first.port)
    try:
        with urllib.request.urlopen(again.url + "/api/heartbeat", timeout=5) as answer:
            assert answer.status == 200
    finally:
        again.stop()
