#!/usr/bin/env python3
"""flip.rip's API, for one host without Docker: users by name, kept in PostgreSQL.

Written for provision's flip.rip playbook to the contract of the flip.rip code
(github.com/sapped/flip):
  * api/main.py reads DATABASE_URL from the .env beside it (load_dotenv(BASE_DIR/.env))
    and serves under root_path /api/v1;
  * api/user/router.py: GET /user/ lists users, GET /user/{username} returns the user,
    creating it on first sight ("users managed by htpasswd");
  * api/user/model.py: table "user" (id, username, created_at as epoch seconds).
The upstream API is FastAPI + SQLAlchemy from PyPI; this one needs only Debian's
python3-psycopg2, so it runs on hosts without PyPI too. It listens on 127.0.0.1 only:
the Streamlit app (streamlit/config.py API_URL) is its one client.
"""
import argparse
import json
import os
import re
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

import psycopg2

BASE_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT_PATH = "/api/v1"


def read_dotenv(path):
    """KEY=VALUE lines as python-dotenv reads the simple cases: '#' comments, optional quotes."""
    values = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            key, value = (part.strip() for part in line.split("=", 1))
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
                if line.split("=", 1)[1].strip()[0] == '"':
                    value = value.replace('\\"', '"').replace("\\\\", "\\")
            values[key] = value
    return values


def libpq_url(url):
    """SQLAlchemy's postgresql+psycopg2:// URL as libpq takes it (postgresql://)."""
    return re.sub(r"^postgresql\+psycopg2://", "postgresql://", url)


class Api:
    def __init__(self, database_url):
        self.dsn = libpq_url(database_url)
        with self.connect() as conn, conn.cursor() as cur:
            cur.execute('CREATE TABLE IF NOT EXISTS "user" (id serial PRIMARY KEY, username text NOT NULL UNIQUE, created_at double precision NOT NULL)')

    def connect(self):
        return psycopg2.connect(self.dsn)

    def users(self):
        with self.connect() as conn, conn.cursor() as cur:
            cur.execute('SELECT id, username, created_at FROM "user" ORDER BY id')
            return [dict(zip(("id", "username", "created_at"), row)) for row in cur.fetchall()]

    def user(self, name):
        with self.connect() as conn, conn.cursor() as cur:
            cur.execute('INSERT INTO "user" (username, created_at) VALUES (%s, %s) ON CONFLICT (username) DO NOTHING', (name, time.time()))
            cur.execute('SELECT id, username, created_at FROM "user" WHERE username = %s', (name,))
            return dict(zip(("id", "username", "created_at"), cur.fetchone()))


class Handler(BaseHTTPRequestHandler):
    api = None

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path.startswith(ROOT_PATH):
            path = path[len(ROOT_PATH):]
        m = re.fullmatch(r"/user/([^/]+)", path)
        if path in ("/user", "/user/"):
            self.send(200, self.api.users())
        elif m:
            self.send(200, self.api.user(unquote(m.group(1))))
        else:
            self.send(404, {"detail": "Not Found"})

    def send(self, status, payload):
        body = (json.dumps(payload) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    p = argparse.ArgumentParser(description="flip.rip API (users), for one host")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    a = p.parse_args()
    env = read_dotenv(os.path.join(BASE_DIR, ".env"))
    Handler.api = Api(env["DATABASE_URL"])
    server = ThreadingHTTPServer((a.host, a.port), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
