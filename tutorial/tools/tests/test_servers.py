"""Starting servers through test_steps/serve.sh: what the tutorial asks of it, what it reads back,
and stopping what it left running."""

import json
import os
import subprocess
import sys
import time
import unittest
from pathlib import Path

from tutorialkit.normalise import RESERVED_PORTS
from tutorialkit.paths import ROOT, TutorialError
from tutorialkit.servers import STOP_TIMEOUT, Server, _adopt_orphans, _exited, _running, parse_servers, serve_command


def avoided(command: list[str]) -> set[int]:
    return {int(command[i + 1]) for i, part in enumerate(command) if part == "--avoid-port"}


class ServeCommandTests(unittest.TestCase):
    def test_no_server_gets_a_port_a_transcript_shows(self):
        self.assertEqual(avoided(serve_command(6, [], Path("/s"))), RESERVED_PORTS)
        self.assertEqual(avoided(serve_command(7, [], Path("/s"), with_issuer=True)), RESERVED_PORTS)

    def test_the_step_and_its_options_come_last(self):
        command = serve_command(7, ["--keys-dir", "/k", "--log-level", "debug"], Path("/s"), Path("/ik"), True)
        self.assertEqual(command[-5:], ["7", "--keys-dir", "/k", "--log-level", "debug"])
        self.assertEqual(command[1:3], ["--work-dir", "/s"])
        self.assertIn("--with-issuer", command)
        self.assertEqual(command[command.index("--issuer-keys-dir") + 1], "/ik")
        self.assertNotIn("--with-issuer", serve_command(6, [], Path("/s")))

    def test_each_issuer_option_is_passed_on_by_itself(self):
        command = serve_command(9, [], Path("/s"), with_issuer=True, issuer_options=["--cimd-ca-file", "/s/ca.pem"])
        at = command.index("--cimd-ca-file")
        self.assertEqual(command[at - 1:at + 3], ["--issuer-option", "--cimd-ca-file", "--issuer-option", "/s/ca.pem"])

    def test_serve_sh_accepts_every_option_the_tutorial_passes(self):
        # Its options are parsed in order, so --help at their end runs only once all of them were accepted.
        command = serve_command(7, [], Path("/nonexistent"), Path("/ik"), with_issuer=True,
                                issuer_options=["--cimd-trusted-host", "127.0.0.1"])
        options = command[1:command.index("7")]
        result = subprocess.run(["bash", command[0], *options, "--help"], cwd=ROOT, capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("--avoid-port", result.stdout)
        refused = subprocess.run(["bash", command[0], "--no-such-option", "7"], cwd=ROOT, capture_output=True,
                                 text=True)
        self.assertEqual(refused.returncode, 2)


class ParseTests(unittest.TestCase):
    STEP = {"work_dir": "/s", "pid": "41", "port": "5001", "base_url": "http://127.0.0.1:5001",
            "stdout": "/s/server.out", "log": "/s/server.log", "started": "1785240000.25", "keys_dir": "/s/keys",
            "command": json.dumps(["/r/.build/debug/Step7", "--port", "5001", "--keys-dir", "/s/keys"])}
    ISSUER = {"issuer_pid": "40", "issuer_port": "5002", "issuer_url": "http://127.0.0.1:5002",
              "issuer_stdout": "/s/issuer.out", "issuer_log": "/s/issuer.log", "issuer_started": "1785239999.5",
              "issuer_keys_dir": "/s/keys", "issuer_command": json.dumps(["/r/.build/debug/generate_token", "serve"])}

    @staticmethod
    def lines(values: dict[str, str]) -> str:
        return "".join(f"{name}={value}\n" for name, value in values.items())

    def test_the_step_is_read_from_its_lines(self):
        step, issuer = parse_servers(self.lines(self.STEP))
        self.assertIsNone(issuer)
        self.assertEqual((step.pid, step.port, step.url, step.started),
                         (41, 5001, "http://127.0.0.1:5001", 1785240000.25))
        self.assertEqual(step.argv[-2:], ["--keys-dir", "/s/keys"])
        self.assertEqual((step.stdout, step.stderr), (Path("/s/server.out"), Path("/s/server.log")))

    def test_the_issuer_is_read_from_its_prefixed_lines(self):
        step, issuer = parse_servers(self.lines({**self.STEP, **self.ISSUER}))
        self.assertEqual((issuer.pid, issuer.port, issuer.url), (40, 5002, "http://127.0.0.1:5002"))
        self.assertEqual(issuer.argv, ["/r/.build/debug/generate_token", "serve"])
        self.assertEqual(issuer.stderr, Path("/s/issuer.log"))
        self.assertEqual(step.pid, 41)

    def test_a_missing_line_is_an_error(self):
        without_port = {name: value for name, value in self.STEP.items() if name != "port"}
        with self.assertRaisesRegex(TutorialError, "port"):
            parse_servers(self.lines(without_port))


class StopTests(unittest.TestCase):
    def test_a_server_left_behind_by_its_starter_is_stopped_and_gone(self):
        # Like serve.sh, a shell starts the process and exits, leaving it running.
        _adopt_orphans()
        pid = int(subprocess.run(["bash", "-c", "sleep 60 >/dev/null 2>&1 & echo $!"],
                                 capture_output=True, text=True, check=True).stdout)
        server = Server(pid, 0, "", [], 0, Path("/dev/null"), Path("/dev/null"))
        _running.append(pid)  # as serve.sh's servers are, once started
        self.assertFalse(_exited(pid))
        if sys.platform.startswith("linux"):  # adopted, so that stopping it reaps it, whatever the first process does
            self.assertEqual(int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]), os.getpid())
        started = time.monotonic()
        server.stop()
        self.assertLess(time.monotonic() - started, STOP_TIMEOUT)
        self.assertTrue(_exited(pid))
        self.assertNotIn(pid, _running)
        server.stop()  # a second time: nothing to do, and no signal to a number that may be reused


if __name__ == "__main__":
    unittest.main()
