"""A real SMTP server on loopback (aiosmtpd) for the mail fault tests, and a port nobody listens on."""

import socket

from aiosmtpd.controller import Controller


def closed_port():
    """A loopback port that refuses connections: bound once by the OS, then released."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Recorder:
    """Keeps every message the server accepted, with its envelope."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


def start_smtp_server(port):
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, recorder
