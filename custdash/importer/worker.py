"""Reading an extract in a second process while this one inserts (two cores).

A plain subprocess (`python -m custdash.importer.worker`) talking pickle over a pipe, not
multiprocessing: spawn re-imports the caller's main module in the child, which runs any
unguarded script a second time. The pipe's buffer keeps the child only a little ahead,
so memory stays flat.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from custdash.importer.reading import Batch, Reader
from custdash.importer.spec import ImportFailed


def read_in_worker(reader: Reader) -> Iterator[tuple[str, Batch]]:
    """`reader.batches()` run in a child process; its ImportFailed is raised here, unchanged,
    and its newest data date lands in `reader.latest`."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "custdash.importer.worker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        bufsize=1 << 20,
    )
    assert proc.stdin is not None and proc.stdout is not None
    widen_pipe(proc.stdout.fileno())
    try:
        try:
            pickle.dump(reader, proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            proc.stdin.close()
        except BrokenPipeError:  # it died before reading the request: reported below, by exit code
            with contextlib.suppress(BrokenPipeError):
                proc.stdin.close()
        while True:
            try:
                kind, *body = pickle.load(proc.stdout)
            except EOFError:
                code = proc.wait()
                raise ImportFailed(str(reader.folder), f"the reading process stopped (exit code {code})") from None
            if kind == "batch":
                yield body[0], body[1]
            elif kind == "failed":
                raise ImportFailed(body[0], body[1], line=body[2], column=body[3])
            elif kind == "done":
                reader.latest = max(reader.latest, body[0])
                return
            else:  # "crashed": a bug, not a bad extract
                raise RuntimeError(f"the extract reader failed: {body[0]}")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdout.close()


def widen_pipe(fd: int) -> None:
    """Let the child run a few batches ahead: with Linux's default 64 KB pipe it blocked
    as soon as the parent started inserting, and the two processes took turns."""
    try:
        import fcntl

        size = int(Path("/proc/sys/fs/pipe-max-size").read_text())
        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), min(size, 4 << 20))
    except (ImportError, OSError, ValueError):
        pass  # elsewhere: slower, not wrong


def main() -> None:  # pragma: no cover (runs in the child)
    gc.disable()  # a short-lived process of acyclic lists and tuples
    out = os.fdopen(sys.stdout.fileno(), "wb", buffering=1 << 20, closefd=False)
    sys.stdout = sys.stderr  # nothing else may write into the pipe
    reader: Reader = pickle.load(sys.stdin.buffer)

    def send(*message: Any) -> None:
        pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)

    try:
        for file, batch in reader.batches():
            send("batch", file, batch)
        send("done", reader.latest)
    except ImportFailed as e:
        send("failed", e.file, e.problem, e.line, e.column)
    except Exception as e:  # reported by the parent
        send("crashed", f"{type(e).__name__}: {e}")
    out.flush()


if __name__ == "__main__":
    main()
