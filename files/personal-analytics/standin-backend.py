#!/usr/bin/env python3
"""A stand-in for the personal-analytics backend (uvicorn + FastAPI), for tests without PyPI.

Python standard library only. Listens on 127.0.0.1:8000 like the guide's uvicorn command and
reads the .env file from its working directory as the real backend does (values are never
echoed). Answers:
  GET /health     -> 200 {"status": "ok", "env": "loaded"|"missing", "database": NAME}
  anything else   -> 404, /pa_backend/health included: like the real backend (its routes,
                     backend/src/personal_analytics_backend/api.py, are at the root: /health,
                     /entries/...), it does not serve the /pa_backend/ prefix, which nginx strips
It is NOT the real backend: that is installed with pip from the personal-analytics repository.
"""
import argparse
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def read_env(path=".env"):
    values = {}
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#") and "=" in line:
                    key, value = line.split("=", 1)
                    values[key.strip()] = value.strip()
    except OSError:
        return None
    return values


class Handler(BaseHTTPRequestHandler):
    server_version = "pa-backend-standin/1"

    def do_GET(self):
        path = self.path.split("?", 1)[0].rstrip("/")
        if path == "/health":
            env = read_env()
            body = {
                "status": "ok",
                "service": "personal-analytics-standin",
                "env": "loaded" if env is not None else "missing",
                "database": (env or {}).get("PA_DATABASE_NAME", ""),
                "user": os.environ.get("USER") or str(os.getuid()),
            }
            data = (json.dumps(body) + "\n").encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
        else:
            data = b'{"detail": "Not Found"}\n'
            self.send_response(404)
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt, *args):
        pass


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    a = p.parse_args()
    ThreadingHTTPServer((a.host, a.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
