"""A local PostgreSQL cluster under ``.nlq/pg``, driven by Debian's initdb and pg_ctl.

PostgreSQL refuses to run as root, and sessions and CI run as root: then the server runs as
Debian's ``postgres`` account (or an ``nlq`` account this module creates) via ``runuser``, and the
data directory is owned by it. As any other user it simply runs as that user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from nlq_platform.db.dsn import OWNER_USER


class ClusterError(RuntimeError):
    """A clear, user-facing reason why the local cluster cannot be used."""


def find_pg_bin(explicit: Path | None = None) -> Path:
    """The directory with initdb/pg_ctl: NLQ_PG_BIN, Debian's newest >= 15, or PATH."""
    if explicit:
        if (explicit / "pg_ctl").exists():
            return explicit
        raise ClusterError(f"NLQ_PG_BIN={explicit} has no pg_ctl")
    debian = Path("/usr/lib/postgresql")
    if debian.is_dir():
        versions = sorted(
            (p for p in debian.iterdir() if p.name.isdigit() and (p / "bin" / "initdb").exists()),
            key=lambda p: int(p.name),
            reverse=True,
        )
        for v in versions:
            if int(v.name) >= 15:
                return v / "bin"
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).resolve().parent
    raise ClusterError(
        "PostgreSQL 15 binaries (initdb, pg_ctl) were not found. Install them with "
        "`sudo apt-get install -y postgresql` (Debian/Ubuntu), set NLQ_PG_BIN to their directory, "
        "or point NLQ_DATABASE_URL at an existing server."
    )


def server_user() -> str | None:
    """The unprivileged account that runs the server when we are root (None: run as ourselves)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nlq"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "nlq"],
        check=True,
        capture_output=True,
    )
    return "nlq"


@dataclass
class LocalCluster:
    """One PostgreSQL cluster: a data directory and a TCP port on 127.0.0.1."""

    data_dir: Path
    port: int
    bin_dir: Path = field(default_factory=find_pg_bin)
    run_as: str | None = field(default_factory=server_user)
    extra_conf: dict[str, str] = field(default_factory=dict)

    @property
    def log_file(self) -> Path:
        return self.data_dir / "server.log"

    def _cmd(self, *args: str) -> list[str]:
        if self.run_as:
            return ["runuser", "-u", self.run_as, "--", *args]
        return list(args)

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(self._cmd(*args), capture_output=True, text=True)
        if check and proc.returncode != 0:
            raise ClusterError(f"{Path(args[0]).name} failed: {(proc.stderr or proc.stdout).strip()}")
        return proc

    def is_initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def is_running(self) -> bool:
        if not self.is_initialised():
            return False
        proc = self._run(str(self.bin_dir / "pg_ctl"), "status", "-D", str(self.data_dir), check=False)
        return proc.returncode == 0

    def _chown(self, path: Path) -> None:
        if self.run_as:
            entry = pwd.getpwnam(self.run_as)
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def _check_reachable(self) -> None:
        """The server account must be able to reach the data directory's parent."""
        if not self.run_as:
            return
        probe = subprocess.run(
            ["runuser", "-u", self.run_as, "--", "test", "-x", str(self.data_dir.parent)],
            capture_output=True,
        )
        if probe.returncode != 0:
            raise ClusterError(
                f"The account {self.run_as!r} that runs PostgreSQL cannot reach {self.data_dir.parent}. "
                "Make the path traversable (chmod o+x on its parents) or set NLQ_HOME elsewhere."
            )

    def init(self, owner_password: str) -> None:
        """Create the cluster (once): owner role ``nlq`` with a password, TCP on 127.0.0.1 only."""
        if self.is_initialised():
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.data_dir, 0o700)
        self._chown(self.data_dir)
        self._check_reachable()
        with tempfile.NamedTemporaryFile("w", delete=False, prefix="nlq-pw-") as fh:
            fh.write(owner_password + "\n")
            pwfile = Path(fh.name)
        try:
            self._chown(pwfile)
            self._run(
                str(self.bin_dir / "initdb"),
                "-D", str(self.data_dir),
                "-U", OWNER_USER,
                f"--pwfile={pwfile}",
                "--auth-host=scram-sha-256",
                "--auth-local=scram-sha-256",
                "--encoding=UTF8",
                "--no-locale",
            )  # fmt: skip
        finally:
            pwfile.unlink(missing_ok=True)
        conf = {
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": "''",
            "timezone": "'UTC'",
            "log_timezone": "'UTC'",
            "shared_buffers": "'256MB'",
            "max_connections": "100",
            **self.extra_conf,
        }
        with (self.data_dir / "postgresql.conf").open("a") as fh:
            fh.write("\n# nlq platform\n")
            fh.writelines(f"{k} = {v}\n" for k, v in conf.items())

    def start(self, timeout_s: int = 60) -> None:
        """Start the server if it is not running (idempotent)."""
        if self.is_running():
            return
        self._run(
            str(self.bin_dir / "pg_ctl"),
            "start",
            "-D", str(self.data_dir),
            "-l", str(self.log_file),
            "-o", f"-p {self.port}",
            "-w", "-t", str(timeout_s),
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        if not self.is_running():
            return
        self._run(str(self.bin_dir / "pg_ctl"), "stop", "-D", str(self.data_dir), "-m", mode, "-w")

    def wait_ready(self, timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            proc = subprocess.run(
                [str(self.bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                capture_output=True,
            )
            if proc.returncode == 0:
                return
            time.sleep(0.2)
        raise ClusterError(f"PostgreSQL on port {self.port} did not become ready; see {self.log_file}")
