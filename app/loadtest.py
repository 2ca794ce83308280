"""Load and soak: many users asking over HTTP while articles are added and removed every second.

``python -m app loadtest --users 20 --seconds 60`` starts the real server (``python -m app``)
on a free loopback port with the current settings, or drives ``--url``. Each user is a
``gradio_client`` asking the ``/answer`` endpoint mixed questions in both languages, one
after another; every second (or when the previous one finished, if later) one library
change: one of ``--pool`` evaluation articles is added through ``/add_article`` or, when
present, removed through ``/remove_article``. Printed: requests, errors, answers/s, p50, p95, and the changes' own
latency. The first add of each article pays for embedding its words and sentences; later
adds of the same text reuse those vectors, as a server that sees an article again does.
"""

from __future__ import annotations

import json
import random
import statistics
import threading
import time
from dataclasses import dataclass, field

from index.dataset import DEFAULT_DATASETS, EVAL_ARTICLES, load_examples


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    writes: int = 0
    write_seconds: list[float] = field(default_factory=list)
    write_errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latencies.append(seconds)
            if error:
                self.errors.append(error)

    def write(self, seconds: float, error: str | None) -> None:
        with self.lock:
            self.writes += 1
            self.write_seconds.append(seconds)
            if error:
                self.write_errors.append(error)

    def report(self, seconds: float) -> dict:
        lat = sorted(self.latencies)
        pct = (lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000) if lat else (lambda q: 0.0)
        return {
            "requests": len(lat),
            "errors": len(self.errors),
            "answers_per_s": round(len(lat) / seconds, 2),
            "p50_ms": round(pct(0.5)),
            "p95_ms": round(pct(0.95)),
            "mean_ms": round(statistics.fmean(lat) * 1000) if lat else 0,
            "library_changes": self.writes,
            "library_changes_per_s": round(self.writes / seconds, 2),
            "library_change_p50_ms": round(statistics.median(self.write_seconds) * 1000) if self.writes else 0,
            "library_change_max_ms": round(max(self.write_seconds) * 1000) if self.writes else 0,
            "library_errors": len(self.write_errors),
            "first_errors": (self.errors + self.write_errors)[:5],
        }


def questions() -> list[str]:
    """Questions about the bundled article, both languages (dev and calibration sets)."""
    out = []
    for path in DEFAULT_DATASETS[:2]:
        out += [ex.question for ex in load_examples(path) if not ex.history and not ex.articles]
    return out


def articles() -> list[tuple[str, str]]:
    pairs = []
    for path in sorted(EVAL_ARTICLES.glob("*.txt")):
        title, _, body = path.read_text(encoding="utf-8").partition("\n")
        pairs.append((title.strip(), body.strip()))
    return pairs


def _user(url: str, stop: threading.Event, tally: Tally, seed: int) -> None:
    from gradio_client import Client

    client = Client(url, verbose=False)
    pool, rng = questions(), random.Random(seed)
    while not stop.is_set():
        question = rng.choice(pool)
        t0 = time.perf_counter()
        try:
            result = client.predict(question, [], "extractive", api_name="/answer")
            error = result.get("error") if isinstance(result, dict) else f"unexpected reply {result!r:.80}"
            if not error and not result.get("text"):
                error = "empty answer"
        except Exception as exc:  # counted, not raised: the run goes on and reports it
            error = f"{type(exc).__name__}: {exc}"
        tally.answer(time.perf_counter() - t0, error and f"{question!r}: {error}")


def _writer(url: str, stop: threading.Event, tally: Tally, every: float, pool: int) -> None:
    """One library change every ``every`` seconds, or as soon as the previous one finished
    when it took longer: one of ``pool`` evaluation articles is added, or removed when
    present. Every article added is removed again, so the library ends as it began."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    added: dict[int, str] = {}
    texts = articles()[:pool]
    n, next_start = 0, time.monotonic() + every
    while not stop.wait(max(0.0, next_start - time.monotonic())):
        next_start = time.monotonic() + every
        slot = n % len(texts)
        n += 1
        _change(client, tally, added, slot, *texts[slot])
    for slot in list(added):
        _change(client, tally, added, slot, *texts[slot])


def _change(client, tally: Tally, added: dict, slot: int, title: str, body: str) -> None:
    t0 = time.perf_counter()
    try:
        if slot in added:
            result = client.predict(added[slot], api_name="/remove_article")
            if not result.get("error"):
                del added[slot]
        else:
            result = client.predict(title, body, api_name="/add_article")
            if result.get("id"):
                added[slot] = result["id"]
        tally.write(time.perf_counter() - t0, result.get("error"))
    except Exception as exc:  # counted, not raised: the run goes on and reports it
        tally.write(time.perf_counter() - t0, f"{type(exc).__name__}: {exc}")


def run(url: str, users: int, seconds: float, change_every: float = 1.0, pool: int = 3) -> dict:
    stop, tally = threading.Event(), Tally()
    threads = [threading.Thread(target=_user, args=(url, stop, tally, i), daemon=True) for i in range(users)]
    if change_every > 0:
        threads.append(threading.Thread(target=_writer, args=(url, stop, tally, change_every, pool), daemon=True))
    started = time.perf_counter()
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    elapsed = time.perf_counter() - started
    for t in threads:
        t.join(timeout=180)
    return tally.report(elapsed)


def serve_and_run(settings, users: int, seconds: float, change_every: float, pool: int = 3) -> dict:
    """Start ``python -m app`` on a free loopback port with these settings, run, stop it."""
    from app.local_server import started_server

    with started_server(settings) as server:
        return run(server.url, users, seconds, change_every, pool)


def print_report(report: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report, ensure_ascii=False))
        return
    print(
        f"requests {report['requests']}  errors {report['errors']}  answers/s {report['answers_per_s']}  "
        f"p50 {report['p50_ms']} ms  p95 {report['p95_ms']} ms  "
        f"library changes {report['library_changes']} ({report['library_changes_per_s']}/s, "
        f"p50 {report['library_change_p50_ms']} ms, "
        f"max {report['library_change_max_ms']} ms, "
        f"errors {report['library_errors']})"
    )
    for error in report["first_errors"]:
        print(f"  error: {error}")
