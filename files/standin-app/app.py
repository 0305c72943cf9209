#!/usr/bin/env python3
"""A stand-in for a Streamlit app, for testing the guide playbooks without PyPI.

Only the Python standard library. It listens where the real app would (the
[server] address and port of its Streamlit config.toml, or --address/--port;
default 127.0.0.1:8502) and answers:

  * GET/HEAD: 200 with a JSON body echoing the request (method, path, headers)
    and the settings read from the config file, so a test can see what the
    reverse proxy forwarded (Host, X-Forwarded-For, X-Forwarded-User...).
  * a WebSocket upgrade (Upgrade: websocket, Connection: upgrade,
    Sec-WebSocket-Key, Sec-WebSocket-Version: 13): 101 Switching Protocols with
    the Sec-WebSocket-Accept computed as RFC 6455 says, plus X-Echo-* headers
    repeating the X-Forwarded-* headers it received; then it holds the
    connection until the client closes it. A malformed upgrade gets 400.

Without --config it reads the first config.toml found where Streamlit (and
RockTalk) look: ./.streamlit/, ~/.rocktalk/.streamlit/, ~/.streamlit/.

Usage: app.py [--config FILE] [--address ADDR] [--port PORT]
"""
import argparse
import base64
import hashlib
import json
import os
import sys
import tomllib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def find_config():
    """Where Streamlit (and RockTalk) look: the working directory's .streamlit/config.toml
    first, then ~/.rocktalk/.streamlit/config.toml, then the user's global ~/.streamlit/config.toml."""
    home = os.path.expanduser("~")
    for path in (os.path.join(os.getcwd(), ".streamlit", "config.toml"),
                 os.path.join(home, ".rocktalk", ".streamlit", "config.toml"),
                 os.path.join(home, ".streamlit", "config.toml")):
        if os.path.isfile(path):
            return path
    return None


def load_config(path):
    if not path:
        return {}
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        print(f"standin: no config at {path}; using defaults", file=sys.stderr)
        return {}


def public_settings(config):
    """The config's settings without anything secret-looking (cookieSecret, passwords, tokens)."""
    secret = ("secret", "password", "token", "key")
    return {
        section: {k: v for k, v in values.items() if not any(w in k.lower() for w in secret)}
        for section, values in config.items()
        if isinstance(values, dict)
    }


class Handler(BaseHTTPRequestHandler):
    server_version = "standin-app/1"
    protocol_version = "HTTP/1.1"
    config = {}

    def log_message(self, fmt, *args):
        sys.stderr.write("standin: %s %s\n" % (self.address_string(), fmt % args))

    def _is_upgrade(self):
        upgrade = self.headers.get("Upgrade", "").lower()
        connection = [t.strip().lower() for t in self.headers.get("Connection", "").split(",")]
        return upgrade == "websocket" and "upgrade" in connection

    def _websocket(self):
        key = self.headers.get("Sec-WebSocket-Key", "")
        try:
            valid_key = len(base64.b64decode(key, validate=True)) == 16
        except ValueError:
            valid_key = False
        if not valid_key or self.headers.get("Sec-WebSocket-Version") != "13":
            self._send(400, {"error": "bad WebSocket handshake: need a 16-byte base64 Sec-WebSocket-Key and Sec-WebSocket-Version: 13"})
            return
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode("ascii")).digest()).decode("ascii")
        self.send_response(101, "Switching Protocols")
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        for name, value in self.headers.items():
            if name.lower().startswith("x-forwarded-"):
                self.send_header("X-Echo-" + name[2:], value)
        self.end_headers()
        self.wfile.flush()
        # Hold the connection (no frames are exchanged) until the client goes away.
        self.close_connection = True
        try:
            while self.rfile.read(1024):
                pass
        except OSError:
            pass

    def _send(self, status, payload, head=False):
        body = (json.dumps(payload, indent=2, sort_keys=True) + "\n").encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _echo(self, head=False):
        if self._is_upgrade():
            self._websocket()
            return
        self._send(200, {
            "app": "standin",
            "method": self.command,
            "path": self.path,
            "headers": {k: v for k, v in self.headers.items()},
            "config": public_settings(self.config),
        }, head)

    def do_GET(self):
        self._echo()

    def do_HEAD(self):
        self._echo(head=True)


def main():
    p = argparse.ArgumentParser(description="Stand-in for a Streamlit app (stdlib only).")
    p.add_argument("--config", help="a Streamlit config.toml: its [server] address and port are used")
    p.add_argument("--address", help="listen address (default: config's server.address, else 127.0.0.1)")
    p.add_argument("--port", type=int, help="listen port (default: config's server.port, else 8502)")
    a = p.parse_args()
    config_path = a.config or find_config()
    config = load_config(config_path)
    server = config.get("server", {})
    address = a.address or server.get("address") or "127.0.0.1"
    port = a.port or int(server.get("port", 8502))
    Handler.config = config
    httpd = ThreadingHTTPServer((address, port), Handler)
    httpd.daemon_threads = True
    print(f"standin: listening on {address}:{port} (config: {config_path or 'none'})", file=sys.stderr, flush=True)
    httpd.serve_forever()


if __name__ == "__main__":
    main()
