"""A real one-node Slurm cluster for the tests: install, configure, start, stop.

Debian's Slurm (slurmctld, slurmd, slurm-client) and munge run as a private
cluster: its own directory (state, spool, logs, PID files), its own free TCP
ports and its own munge socket. Its slurm.conf is also written to the default
path /etc/slurm/slurm.conf, because the Slurm plugin's job step strips
``SLURM_CONF`` from the environment of the ``srun`` it runs inside each job; so
the cluster refuses to start where that file exists and is not ours, and one
test session at a time holds it (a lock file; a second session waits).

Run as a script to try it by hand::

    python tests/slurm/cluster.py    # starts, prints `export SLURM_CONF=...`, waits for Ctrl-C
"""

from __future__ import annotations

import fcntl
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PACKAGES = ("slurmctld", "slurmd", "slurm-client", "munge")
DAEMONS = ("munged", "slurmctld", "slurmd")
MUNGE_KEY = Path("/etc/munge/munge.key")
SYSTEM_CONF = Path("/etc/slurm/slurm.conf")
MARKER = "# Test cluster written by tests/slurm/cluster.py"
LOCK = Path("/run/lock/tilegrid-slurm.lock")
LOCK_TIMEOUT = 3600
STALE_PIDFILES = (Path("/run/slurmctld.pid"), Path("/run/slurmd.pid"))
PARTITION = "debug"
START_TIMEOUT = 120
INSTALL_TIMEOUT = 1200


class ClusterUnavailable(Exception):
    """This machine cannot run a test cluster (the reason is the message)."""


#: the environment variable that allows the tests to install and start Slurm
ASK = "TILEGRID_SLURM_TESTS"


def why_unavailable() -> str | None:
    """The reason the cluster is not started here, or None if it may be.

    Installing packages and starting daemons happens only when asked
    (``TILEGRID_SLURM_TESTS=1``, as ``.ci/run`` sets), never by a plain
    ``pytest`` on a user's machine.
    """
    if os.environ.get(ASK) != "1":
        return (
            f"real-Slurm tests run only when asked: {ASK}=1 lets them install Debian's "
            "Slurm (as root) and start a one-node cluster; .ci/run sets it"
        )
    if os.name != "posix" or os.geteuid() != 0:
        return "a test Slurm cluster needs root (to install packages and run slurmd)"
    if all(shutil.which(d, path=_sbin_path()) for d in DAEMONS) and shutil.which("sbatch"):
        return None
    if shutil.which("apt-get") is None:
        return "Slurm is not installed and there is no apt-get to install " + " ".join(PACKAGES)
    return None


def _sbin_path() -> str:
    return os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])


def _which(name: str) -> str:
    path = shutil.which(name, path=_sbin_path())
    if path is None:
        raise ClusterUnavailable(f"{name} not found after installing {' '.join(PACKAGES)}")
    return path


def install_packages() -> None:
    """apt-get install Debian's Slurm and munge if any daemon or client is missing."""
    if all(shutil.which(d, path=_sbin_path()) for d in DAEMONS) and shutil.which("sbatch"):
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", *PACKAGES]):
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=INSTALL_TIMEOUT)
        if proc.returncode != 0:
            tail = proc.stdout[-2000:] + proc.stderr[-2000:]
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{tail}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_pidfiles() -> None:
    """Remove /run/slurm*.pid left by daemons that are gone (they block a restart)."""
    for path in STALE_PIDFILES:
        try:
            pid = int(path.read_text().strip() or 0)
        except (OSError, ValueError):
            continue
        if not pid or not _alive(pid):
            path.unlink(missing_ok=True)


def stop_stale_cluster() -> None:
    """Stop, by the PIDs in its folder, a test cluster that a killed session left running."""
    if not SYSTEM_CONF.exists():
        return
    first = SYSTEM_CONF.read_text(errors="replace").partition("\n")[0]
    if not first.startswith(MARKER) or "(" not in first:
        return
    old = Path(first.rsplit("(", 1)[1].rstrip(")"))
    for pidfile in ("slurmd.pid", "slurmctld.pid", "munge/munged.pid"):
        try:
            pid = int((old / pidfile).read_text().strip())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            continue
        if str(old).encode() in cmdline:  # still that daemon, not a reused PID
            os.kill(pid, signal.SIGTERM)
    SYSTEM_CONF.unlink(missing_ok=True)
    shutil.rmtree(old, ignore_errors=True)


def node_line() -> str:
    """The node's hardware line from `slurmd -C`, reachable at 127.0.0.1."""
    cmd = [_which("slurmd"), "-C"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("NodeName="))
    return f"{line} NodeAddr=127.0.0.1 State=UNKNOWN"


def slurm_conf(root: Path, node: str, ctld_port: int, slurmd_port: int) -> str:
    """A minimal slurm.conf: one node, one default partition, no accounting, no cgroups."""
    name = node.split()[0].split("=", 1)[1]
    return f"""\
{MARKER} ({root})
ClusterName=tilegrid-test
SlurmctldHost={name}(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket={root}/munge/munge.socket
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/slurmctld.log
SlurmdLogFile={root}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
{node}
PartitionName={PARTITION} Nodes=ALL Default=YES MaxTime=INFINITE State=UP
"""


class SlurmCluster:
    """One slurmctld + one slurmd (+ munged) on this machine, started and stopped by PID."""

    def __init__(self, root: Path | None = None):
        self.root = Path(root or tempfile.mkdtemp(prefix="tilegrid-slurm-", dir="/var/tmp"))
        self.conf = self.root / "slurm.conf"
        self.procs: dict[str, subprocess.Popen] = {}
        self.cpus = 1
        self._lock = None

    @property
    def env(self) -> dict[str, str]:
        """Environment for clients (sbatch, squeue, Snakemake) that talk to this cluster."""
        return {**os.environ, "SLURM_CONF": str(self.conf)}

    def start(self) -> SlurmCluster:
        install_packages()
        self._take_lock()
        if SYSTEM_CONF.exists() and not SYSTEM_CONF.read_text(errors="replace").startswith(MARKER):
            self._release_lock()
            raise ClusterUnavailable(
                f"{SYSTEM_CONF} exists and was not written by the tests; "
                "not replacing this machine's Slurm configuration"
            )
        stop_stale_cluster()
        remove_stale_pidfiles()
        # munged refuses group/world-writable or unreadable parents: a 0755 tree
        # outside pytest's 0700 tmp folders, with the socket folder owned by munge.
        self.root.chmod(0o755)
        for sub in ("state", "spool"):
            (self.root / sub).mkdir(exist_ok=True)
        munge_dir = self.root / "munge"
        munge_dir.mkdir(mode=0o755, exist_ok=True)
        munge = pwd.getpwnam("munge")
        os.chown(munge_dir, munge.pw_uid, munge.pw_gid)
        if not MUNGE_KEY.exists():
            subprocess.run([_which("mungekey"), "--create"], check=True, user="munge")
        node = node_line()
        self.cpus = int(next(f for f in node.split() if f.startswith("CPUs=")).split("=")[1])
        self.conf.write_text(slurm_conf(self.root, node, _free_port(), _free_port()))
        SYSTEM_CONF.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.conf, SYSTEM_CONF)
        try:
            self._spawn(
                "munged",
                [
                    _which("munged"),
                    "--foreground",
                    f"--socket={munge_dir}/munge.socket",
                    f"--pid-file={munge_dir}/munged.pid",
                    f"--seed-file={munge_dir}/munged.seed",
                    f"--log-file={munge_dir}/munged.log",
                    f"--key-file={MUNGE_KEY}",
                ],
                user="munge",
            )
            self._wait(lambda: (munge_dir / "munge.socket").exists(), "munged socket")
            self._spawn("slurmctld", [_which("slurmctld"), "-D", "-i", "-f", str(self.conf)])
            self._wait(lambda: "UP" in self._out("scontrol", "ping"), "scontrol ping")
            self._spawn("slurmd", [_which("slurmd"), "-D", "-f", str(self.conf)])
            self._wait(lambda: self._out("sinfo", "-h", "-o", "%t").strip() == "idle", "node idle")
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Cancel this cluster's jobs, then stop the daemons by PID (TERM, then KILL)."""
        if "slurmctld" in self.procs and self.procs["slurmctld"].poll() is None:
            ids = self._out("squeue", "-h", "-o", "%i").split()
            if ids:
                subprocess.run(["scancel", *ids], env=self.env, capture_output=True, timeout=30)
        for name in reversed(DAEMONS):
            proc = self.procs.pop(name, None)
            if proc is None or proc.poll() is not None:
                continue
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if SYSTEM_CONF.exists() and SYSTEM_CONF.read_text(errors="replace").startswith(
            f"{MARKER} ({self.root})"
        ):
            SYSTEM_CONF.unlink()
        self._release_lock()

    def remove(self) -> None:
        """Delete the cluster's folder (state, spool, logs); call after stop()."""
        shutil.rmtree(self.root, ignore_errors=True)

    def _take_lock(self) -> None:
        LOCK.parent.mkdir(parents=True, exist_ok=True)
        self._lock = open(LOCK, "w")  # noqa: SIM115 - held until stop()
        deadline = time.monotonic() + LOCK_TIMEOUT
        while True:
            try:
                fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    self._release_lock()
                    raise RuntimeError(
                        f"another test session held {LOCK} for {LOCK_TIMEOUT} s"
                    ) from None
                time.sleep(2)

    def _release_lock(self) -> None:
        if self._lock is not None:
            self._lock.close()  # closing the file drops the flock
            self._lock = None

    def log(self, name: str) -> str:
        """The tail of a daemon's log (for failure messages)."""
        path = self.root / ("munge/munged.log" if name == "munged" else f"{name}.log")
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def _spawn(self, name: str, cmd: list[str], user: str | None = None) -> None:
        with open(self.root / f"{name}.out", "wb") as out:
            self.procs[name] = subprocess.Popen(
                cmd,
                stdout=out,
                stderr=subprocess.STDOUT,
                user=user,
                env=self.env,
                start_new_session=True,
            )

    def _wait(self, ready, what: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(
                        f"{name} exited ({proc.returncode}) while waiting for {what}:\n"
                        f"{(self.root / f'{name}.out').read_text(errors='replace')[-2000:]}"
                        f"{self.log(name)}"
                    )
            if ready():
                return
            time.sleep(0.5)
        raise RuntimeError(
            f"timed out after {START_TIMEOUT} s waiting for {what}:\n"
            f"{self.log('slurmctld')}{self.log('slurmd')}"
        )

    def _run(self, *cmd: str) -> subprocess.CompletedProcess:
        return subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=30)

    def _ok(self, *cmd: str) -> bool:
        return self._run(*cmd).returncode == 0

    def _out(self, *cmd: str) -> str:
        proc = self._run(*cmd)
        return proc.stdout if proc.returncode == 0 else ""


if __name__ == "__main__":
    reason = why_unavailable()
    if reason:
        raise SystemExit(reason)
    cluster = SlurmCluster().start()
    print(f"up: {cluster.cpus} CPUs, partition {PARTITION}, {cluster.conf}", flush=True)
    print("stop it with Ctrl-C or kill", flush=True)

    def _interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        cluster.stop()
        cluster.remove()
