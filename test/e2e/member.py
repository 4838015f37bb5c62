#!/usr/bin/env python3
"""A pool member for tests and the demo: an HTTP server on one loopback address that answers
every GET with 200 and its own name. Stopping the process is how a test takes a member down."""
import http.server
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("OK " + self.server.member_name + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    address, port, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    http.server.ThreadingHTTPServer.allow_reuse_address = True
    server = http.server.ThreadingHTTPServer((address, port), Handler)
    server.member_name = name
    print("member %s listening on %s:%d" % (name, address, port), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
