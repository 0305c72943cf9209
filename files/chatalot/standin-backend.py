#!/usr/bin/env python3
"""A stand-in for the Chatalot server, for testing the proxy in front of it.

Python standard library only. Answers HTTP on 127.0.0.1:PORT (default 8080):
  GET /api/health  -> 200 {"status": "ok", ...}
  GET /ws          -> with "Upgrade: websocket": 101 Switching Protocols (RFC 6455 handshake),
                      then echoes text frames until the client closes
  anything else    -> 200 with a short page
It is NOT Chatalot: the real server runs from its Docker image (see the Chatalot docs).
"""
import argparse
import base64
import hashlib
import json
import struct
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class Handler(BaseHTTPRequestHandler):
    server_version = "chatalot-standin/1"
    protocol_version = "HTTP/1.1"

    def _send(self, status, body, ctype="text/plain; charset=utf-8"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path == "/ws" or path.startswith("/ws/"):
            return self._websocket()
        if path == "/api/health":
            info = {"status": "ok", "service": "chatalot-standin",
                    "forwarded_proto": self.headers.get("X-Forwarded-Proto", "")}
            return self._send(200, json.dumps(info) + "\n", "application/json")
        return self._send(200, "chatalot stand-in backend\n")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        while length > 0:
            chunk = self.rfile.read(min(length, 65536))
            if not chunk:
                break
            length -= len(chunk)
        return self._send(200, "received\n")

    def _websocket(self):
        key = self.headers.get("Sec-WebSocket-Key")
        if "websocket" not in (self.headers.get("Upgrade") or "").lower() or not key:
            return self._send(426, "WebSocket upgrade required\n")
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        self.send_response(101, "Switching Protocols")
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        try:
            self._echo()
        except (ConnectionError, OSError, struct.error):
            pass

    def _echo(self):
        # Minimal RFC 6455 echo: text/binary frames back, close on a close frame.
        while True:
            head = self.rfile.read(2)
            if len(head) < 2:
                return
            opcode, length = head[0] & 0x0F, head[1] & 0x7F
            if length == 126:
                length = struct.unpack("!H", self.rfile.read(2))[0]
            elif length == 127:
                length = struct.unpack("!Q", self.rfile.read(8))[0]
            mask = self.rfile.read(4) if head[1] & 0x80 else b"\0\0\0\0"
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(self.rfile.read(length)))
            if opcode == 0x8:
                self.wfile.write(b"\x88\x00")
                return
            if opcode in (0x1, 0x2) and len(payload) < 126:
                self.wfile.write(bytes([0x80 | opcode, len(payload)]) + payload)
                self.wfile.flush()

    def log_message(self, fmt, *args):
        pass


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bind", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    a = p.parse_args()
    ThreadingHTTPServer((a.bind, a.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
