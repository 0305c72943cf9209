#!/usr/bin/python3
# The bench app: answers every GET with a line of text, on 127.0.0.1:APP_PORT (app.env).
import http.server, os

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"bench app on {os.environ.get('APP_NAME', '?')}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("APP_PORT", "8502"))), Handler).serve_forever()
