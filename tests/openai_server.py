"""A deterministic OpenAI-compatible chat server, run as a separate process by the LLM-path tests.

    python tests/openai_server.py --port 8123 --script rules.json --log requests.jsonl

Speaks ``GET /v1/models`` and ``POST /v1/chat/completions``, plain JSON or streamed as
server-sent events (``"stream": true``). Replies follow the script, re-read on every request
so a test can swap it: ``{"rules": [rule, ...]}``, the first rule whose ``when`` occurs in
the last user message (or whose ``system`` occurs in the system prompt) wins. A rule says

- ``reply``: the text; ``{cite:PHRASE}`` becomes ``[n]``, n being the passage whose line
  ``[n] sentence`` in the user message contains PHRASE (no such passage: HTTP 500 naming it);
- or a failure: ``status`` (that HTTP error), ``hang`` (seconds of silence before anything),
  ``hang_after`` (stream that many tokens, then ``hang`` seconds of silence), ``malformed``
  (a stream that is not JSON), and ``delay`` (seconds before each streamed token).

An empty ``reply`` is an empty answer. No rule matches: HTTP 500 saying so. Every request is
appended to the log as one JSON line (its path and body) before it is answered.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

MODEL = "scripted"


class ScriptError(Exception):
    """The script cannot answer this request; sent back as HTTP 500 so the test sees why."""


def passage_number(user: str, phrase: str) -> int:
    for line in user.splitlines():
        m = re.match(r"\[(\d+)\] (.*)", line)
        if m and phrase in m.group(2):
            return int(m.group(1))
    raise ScriptError(f"script error: no passage contains {phrase!r}")


def choose(rules: list[dict], messages: list[dict]) -> dict:
    user = next((m["content"] for m in reversed(messages) if m.get("role") == "user"), "")
    system = "\n".join(m["content"] for m in messages if m.get("role") == "system")
    for rule in rules:
        if ("when" in rule and rule["when"] in user) or ("system" in rule and rule["system"] in system):
            rule = dict(rule)
            if "reply" in rule:
                rule["reply"] = re.sub(
                    r"\{cite:([^}]+)\}", lambda m: f"[{passage_number(user, m.group(1))}]", rule["reply"]
                )
            return rule
    raise ScriptError(f"script error: no rule matches the user message {user[-200:]!r}")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    script: Path
    log: Path
    log_lock = threading.Lock()

    def log_message(self, format, *args):  # quiet: the JSONL log is the record
        pass

    def do_GET(self):
        if self.path.rstrip("/") == "/v1/models":
            self._json(200, {"object": "list", "data": [{"id": MODEL, "object": "model", "owned_by": "tests"}]})
        else:
            self._json(404, {"error": {"message": f"no route {self.path}"}})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        with self.log_lock, open(self.log, "a", encoding="utf-8") as out:
            out.write(json.dumps({"path": self.path, "body": body}, ensure_ascii=False) + "\n")
        if self.path.rstrip("/") != "/v1/chat/completions":
            return self._json(404, {"error": {"message": f"no route {self.path}"}})
        try:
            rule = choose(json.loads(self.script.read_text(encoding="utf-8"))["rules"], body.get("messages", []))
        except ScriptError as exc:
            return self._json(500, {"error": {"message": str(exc), "type": "script_error"}})
        if "status" in rule:
            return self._json(rule["status"], {"error": {"message": f"scripted failure {rule['status']}"}})
        if "hang" in rule and "hang_after" not in rule:
            time.sleep(rule["hang"])
        if body.get("stream"):
            self._stream(rule)
        else:
            self._json(200, completion(rule.get("reply", "")))

    def _json(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, rule: dict) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")  # the end of the body is the end of the stream
        self.end_headers()
        self.close_connection = True
        if rule.get("malformed"):
            self._event("{not json")
            return self._event("[DONE]")
        self._event(json.dumps(chunk({"role": "assistant", "content": ""})))
        for i, token in enumerate(re.findall(r"\S+\s*", rule.get("reply", ""))):
            if i == rule.get("hang_after"):
                time.sleep(rule["hang"])
            time.sleep(rule.get("delay", 0))
            self._event(json.dumps(chunk({"content": token})))
        self._event(json.dumps(chunk({}, finish="stop")))
        self._event("[DONE]")

    def _event(self, data: str) -> None:
        self.wfile.write(f"data: {data}\n\n".encode())
        self.wfile.flush()


def chunk(delta: dict, finish: str | None = None) -> dict:
    return {"id": "chatcmpl-scripted", "object": "chat.completion.chunk", "created": int(time.time()), "model": MODEL,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


def completion(text: str) -> dict:
    return {"id": "chatcmpl-scripted", "object": "chat.completion", "created": int(time.time()), "model": MODEL,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}}


class Server(ThreadingHTTPServer):
    daemon_threads = True  # a hanging reply must not keep the process alive at shutdown

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that timed out and left is expected
            super().handle_error(request, client_address)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--script", type=Path, required=True)
    parser.add_argument("--log", type=Path, required=True)
    args = parser.parse_args()
    Handler.script, Handler.log = args.script, args.log
    Server(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
