"""rulelint never reaches the network: pySigma's ATT&CK data module and plugin directory (which
download by default) are never imported, and a run with sockets disabled works."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

from tests.helpers import sigma_rule, write

REPO = Path(__file__).resolve().parent.parent

PROBE = """
import socket, sys
def refuse(*args, **kwargs):
    raise OSError("network access attempted")
socket.socket.connect = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
from rulelint.cli import main
code = main(sys.argv[1:])
loaded = sorted(name for name in sys.modules if name.startswith(("sigma.data", "sigma.plugins", "requests")))
print("LOADED", loaded)
sys.exit(code)
"""


def test_no_network_and_no_downloading_modules(tmp_path: Path) -> None:
    detection = (
        "selection:\n    CommandLine|base64offset|contains: 'IEX'\n    Image|endswith: '\\powershell.exe'\n"
        "condition: selection"
    )
    rule = write(
        tmp_path / "r.yml",
        sigma_rule(
            "Encoded IEX", detection, rule_id="iex", tags=("attack.t1059.001", "attack.t1685")
        ),
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE, "check", "--fail-on", "never", "--no-cache", str(rule)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "LOADED []" in result.stdout
    assert "network access attempted" not in result.stdout + result.stderr
    assert socket.socket.connect is not None  # the probe ran in its own process
