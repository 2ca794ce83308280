"""``python -m app`` started as a child process on a free loopback port, for the load test and the bench."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from index.errors import InputError
from index.settings import PROJECT_ROOT

STARTUP_SECONDS = 300  # a first start may convert the model


@dataclass
class Started:
    process: subprocess.Popen
    url: str
    seconds: float  # from launch to the first served page


@contextmanager
def started_server(settings, poll: float = 0.5) -> Iterator[Started]:
    """Run the server with ``settings`` until the page is served; stop it on leaving."""
    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = dict(
        os.environ,
        BERITA_HOME=str(settings.home),
        BERITA_ARTICLES=str(settings.articles_dir),
        BERITA_EMBED_MODEL=settings.embed_model,
        BERITA_ENCODER=settings.encoder,
        BERITA_PORT=str(port),
        BERITA_HOST="127.0.0.1",
    )
    env.pop("BERITA_CHROMA_HOST", None)  # the settings say whether there is a Chroma server
    if settings.chroma_host:
        env |= {"BERITA_CHROMA_HOST": settings.chroma_host, "BERITA_CHROMA_PORT": str(settings.chroma_port)}
    url = f"http://127.0.0.1:{port}/"
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "app"], env=env, cwd=PROJECT_ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        while True:
            if proc.poll() is not None:
                raise InputError(f"the server did not start: {proc.stderr.read()[-300:].strip()}")
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.perf_counter() - t0 > STARTUP_SECONDS:
                raise InputError(f"the server did not answer at {url} within {STARTUP_SECONDS} s")
            time.sleep(poll)
        yield Started(proc, url, time.perf_counter() - t0)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
