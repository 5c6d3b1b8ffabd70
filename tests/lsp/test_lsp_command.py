"""`rulerun lsp` as a command: it speaks the protocol on its standard streams, or names the extra it needs."""
from __future__ import annotations

import os
import subprocess
import sys

from lsp_editor import ROOT


def test_the_command_line_serves_the_protocol():
    """`rulerun lsp` answers `initialize` and stops on `exit`, over its standard input and output."""
    def message(body: str) -> bytes:
        return f"Content-Length: {len(body.encode())}\r\n\r\n{body}".encode()
    requests = (message('{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}')
                + message('{"jsonrpc":"2.0","method":"initialized","params":{}}')
                + message('{"jsonrpc":"2.0","id":2,"method":"shutdown"}')
                + message('{"jsonrpc":"2.0","method":"exit"}'))
    done = subprocess.run([sys.executable, "-c", "from rulerun.interpreter.cli import main; main(['lsp'])"],
                          input=requests, capture_output=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr.decode()
    assert b'"name":"rulerun"' in done.stdout.replace(b" ", b"")
    assert b'"hoverProvider":true' in done.stdout.replace(b" ", b"")


def test_without_pygls_the_command_names_the_extra():
    blocked = "import sys; sys.modules['pygls'] = None; from rulerun.interpreter.cli import main; main(['lsp'])"
    done = subprocess.run([sys.executable, "-c", blocked], capture_output=True, timeout=60, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert done.returncode == 64
    assert done.stderr.decode() == ("error: the language server needs pygls and lsprotocol\n"
                                    "  = hint: pip install 'rulerun[lsp]'\n")


def test_the_server_stops_when_its_input_ends():
    """An editor that goes away without `exit` leaves no server behind."""
    body = '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}'
    garbage = b"Content-Length: 5\r\n\r\n{oops"
    done = subprocess.run([sys.executable, "-m", "rulerun.interpreter.lsp"], capture_output=True, timeout=60,
                          input=garbage + f"Content-Length: {len(body)}\r\n\r\n{body}".encode(), cwd=ROOT)
    assert b'"capabilities"' in done.stdout
    assert b"Traceback" not in done.stderr
