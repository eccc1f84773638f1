"""A tiny SMTP server on 127.0.0.1 for tests: records messages, answers chosen commands with chosen replies."""

from __future__ import annotations

import socketserver
import threading
from dataclasses import dataclass, field


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes


@dataclass
class StubState:
    messages: list[Received] = field(default_factory=list)
    #: ``{"RCPT": "450 mailbox busy"}``: reply to that command with this line instead of accepting.
    replies: dict[str, str] = field(default_factory=dict)
    logins: list[str] = field(default_factory=list)


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def _send(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        state = self.server.state
        self._send("220 stub ESMTP")
        sender, recipients = "", []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            command = raw.decode().rstrip("\r\n")
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self._send("250-stub greets you")
                self._send("250 AUTH PLAIN")
            elif verb == "QUIT":
                self._send("221 bye")
                return
            elif verb in state.replies:
                self._send(state.replies[verb])
            elif verb == "AUTH":
                state.logins.append(command)
                self._send("235 ok")
            elif verb == "MAIL":
                sender, recipients = command[10:].strip("<>").split(">")[0], []
                self._send("250 ok")
            elif verb == "RCPT":
                recipients.append(command[8:].strip("<>").split(">")[0])
                self._send("250 ok")
            elif verb == "DATA":
                self._send("354 go ahead")
                lines = []
                while (line := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(line)
                state.messages.append(Received(sender, recipients, b"".join(lines)))
                self._send("250 queued")
            else:
                self._send("250 ok")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = StubState()


class SMTPStub:
    """``with SMTPStub() as stub:`` serves on ``stub.port`` until the block ends."""

    def __enter__(self) -> SMTPStub:
        self._server = _Server()
        self.port = self._server.server_address[1]
        self.state = self._server.state
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
