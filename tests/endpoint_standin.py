"""A stand-in for an OpenAI-compatible endpoint (Ollama, llama.cpp's server), for the label-draft tests.

    python tests/endpoint_standin.py PORT_FILE LOG_FILE [LIFETIME_SECONDS]

Binds to 127.0.0.1 on a free port, writes the port to PORT_FILE, answers ``POST .../chat/completions`` and logs
each request body to LOG_FILE (one JSON line). The first part of the path picks the behaviour: ``/good/v1``
answers a label built from the prompt's first top word, ``/fenced/v1`` the same JSON inside a code fence and
prose, ``/malformed/v1`` prose without a label, ``/long/v1`` a label of 20 words, ``/slow/v1`` answers after 5 s,
``/error/v1`` HTTP 500, ``/notjson/v1`` a body that is not JSON. It stops by itself after LIFETIME_SECONDS
(default 120), whatever the test does.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def answer(mode: str, body: dict) -> tuple[int, bytes]:
    prompt = body["messages"][-1]["content"]
    first = re.search(r"Top words of the topic: ([^,.]+)", prompt)
    word = first.group(1).strip() if first else "nothing"
    content = {
        "good": json.dumps({"label": f"Talking about {word}", "description": f"Remarks on {word}."}),
        "fenced": 'Sure! Here it is:\n```json\n{"label": "Fenced ' + word + '", "description": "x"}\n```',
        "malformed": "",
        "long": json.dumps({"label": " ".join(["word"] * 20)}),
    }.get(mode)
    if mode == "slow":
        time.sleep(5)
        content = json.dumps({"label": "Too late"})
    if mode == "error":
        return 500, b'{"error": "model not found"}'
    if mode == "notjson":
        return 200, b"<html>not an API</html>"
    return 200, json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]}).encode()


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (the http.server name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with open(sys.argv[2], "a", encoding="utf-8") as log:
            log.write(json.dumps({"path": self.path, "body": body}) + "\n")
        status, payload = answer(self.path.strip("/").split("/")[0], body)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    lifetime = float(sys.argv[3]) if len(sys.argv) > 3 else 120.0
    threading.Timer(lifetime, server.shutdown).start()
    Path(sys.argv[1]).write_text(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()
