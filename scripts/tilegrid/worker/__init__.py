"""A warm render worker: a fork server that keeps matplotlib and pyarrow imported.

Importing matplotlib and pyarrow and loading fonts costs a fresh process more
than drawing a typical tile.  The first render job on a machine starts this
server in the background; every render job then sends its arguments over a
Unix socket and the server forks a child (imports and fonts already loaded,
shared copy-on-write) that renders the tile and answers.  The server exits
after ``IDLE_SECONDS`` without requests.

The worker is an optimisation only; it never makes a run fail, slow or different:

- A child draws exactly what the job would draw in its own process: it takes
  the job's working folder, environment, ``sys.path`` and umask, and tilegrid
  draws under matplotlib's built-in defaults (:func:`tilegrid.render.figures.tilegrid_style`),
  not under the matplotlibrc of the folder that started the server.
- The socket name holds a hash of the Python interpreter and of the package's
  files (their names and bytes), so a changed plotting code never meets an old
  server, and copies of the same code in other folders (a copied or moved
  workflow, tilegrid used as a module by several hosts) share one.  The server
  imports a private copy of the package, taken when it starts, so it never
  depends on the folder that started it.
- Only its owner reaches it.  The socket (mode 0600, whatever the umask) lives in
  a folder of this user's that only they may enter (mode 0700):
  ``$TILEGRID_WORKER_DIR``, else ``$TMPDIR/tilegrid-<uid>``, else
  ``/tmp/tilegrid-<uid>`` when the first path is too long for a Unix socket; a
  folder of ours that others may enter but not write to (e.g. a 0755
  ``$TILEGRID_WORKER_DIR``) holds it in a private subfolder ``tilegrid-<uid>``,
  and one that others may write to is not used.  The server also asks the kernel
  who connected (``SO_PEERCRED``) and serves no other user.  A request runs with
  the rights of the server, which are its sender's: it can name no path or code
  its own job could not read or run.  Its shape is checked all the same (a known
  task, values of the expected types); a request of another shape is not served.
- Work for a job dies with the job.  A job killed while the worker draws for it
  (Ctrl-C, SIGTERM or SIGKILL of its process group, whose process the forked child
  is not in) closes its connection, and the kernel then ends the child at once
  (:func:`_die_with_client`); nothing it drew is renamed into place, even in the
  moment before that (the job guard of :mod:`tilegrid.core.outputs`), so a killed
  run's work never lands after a later run's.
- Anything that goes wrong on the way (no usable folder, a server that dies or
  hangs on start, a broken connection) makes the job render in its own process
  at once, with one warning line in its log; a server that failed to start is
  not tried again for ``FAILED_SECONDS``.  An error *in* the tile is reported
  like in-process rendering.  ``TILEGRID_WORKER=0`` turns the worker off.
The worker's modules: :mod:`.client` (a job's side: start, send, fall back),
:mod:`.server` (the fork server), :mod:`.protocol` (messages and the request's
shape), :mod:`.folders` (where the socket lives, its name), :mod:`.copies` (the
server's private copy of the package).  It imports no stage of the pipeline: what it
runs is named in :mod:`tilegrid.core.tasks`.
"""

from .client import prestart, run_remote, run_task
from .folders import WorkerUnavailable, enabled, locate, socket_path

__all__ = [
    "WorkerUnavailable",
    "enabled",
    "locate",
    "prestart",
    "run_remote",
    "run_task",
    "socket_path",
]
