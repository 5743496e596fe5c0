"""The messages between a job and the worker, and the shape a request must have.

A message is a length (8 bytes) and a marshal of plain values (dicts, lists, str,
numbers, bools, None).  marshal is built in, so a job imports nothing for it; the
server and its jobs are one interpreter (the socket's name holds it: the code key),
so they agree on its format.
"""

from __future__ import annotations

import marshal
import os

from ..core import tasks


def _send(stream, message: dict[str, object]) -> None:
    data = marshal.dumps(message)
    stream.write(len(data).to_bytes(8, "big") + data)
    stream.flush()


def _receive(stream) -> dict[str, object] | None:
    """The next message, or None when the other side closed before a whole one."""
    head = stream.read(8)
    if len(head) < 8:
        return None
    size = int.from_bytes(head, "big")
    data = stream.read(size)
    return marshal.loads(data) if len(data) == size else None


def plain(value):
    """``value`` as JSON would carry it and marshal takes it: tuples as lists, dict keys
    as str, and subclasses of str, int and float (Snakemake's file names) as those."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if value is None or isinstance(value, bool):
        return value
    for kind in (str, int, float):
        if isinstance(value, kind):
            return kind(value)
    return value  # anything else: marshal refuses it and the job renders in its process


def _umask() -> int:
    """This process's umask, read where Linux shows it: setting it to read it back would,
    in a process with threads (Snakemake's own), give another thread's new file the
    wrong mode for that instant."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: a request's fields and their types (the job's client, :func:`run_remote`, sends them)
REQUEST_FIELDS = {
    "task": str,
    "args": list,
    "log": str,
    "cwd": str,
    "env": dict,
    "sys_path": list,
    "umask": int,
}


def _request_problem(request: object) -> str | None:
    """Why ``request`` is not one a job's client sends (None if it is): its fields, their
    types, a known task, absolute paths, a umask.

    It names no path or code its sender could not read or run itself: the server
    serves only its own user (:func:`_peer_uid`), with that user's rights.
    """
    if not isinstance(request, dict) or set(request) != set(REQUEST_FIELDS):
        return "not a request of a job's client"
    for field, kind in REQUEST_FIELDS.items():
        value = request[field]
        if not isinstance(value, kind) or isinstance(value, bool):
            return f"{field} is not of type {kind.__name__}"
    if request["task"] not in tasks.WORKER_TASKS:
        return f"unknown task {request['task']!r}"
    if not (os.path.isabs(request["log"]) and os.path.isabs(request["cwd"])):
        return "log and cwd must be absolute paths"
    env, path = request["env"], request["sys_path"]
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in env.items()):
        return "env must map text to text"
    if not all(isinstance(entry, str) for entry in path):
        return "sys_path must be a list of text"
    if not 0 <= request["umask"] <= 0o777:
        return "umask out of range"
    return None
