#!/usr/bin/env python
"""Fuzz the REST API with schemathesis and fail on any server error (issue 8, "Done when").

Builds a throw-away program (SQLite in a temporary directory, the demo data with a few partners), serves it
with `openprm runserver`, and runs `schemathesis run` against the live /api/v1/openapi.json twice: with a
program admin's token and with a partner admin's token. Only `not_a_server_error` is checked: a 4xx for
nonsense input is the right answer, a 5xx never is.

    .venv/bin/python scripts/fuzz_api.py                     # what `make fuzz` runs
    .venv/bin/python scripts/fuzz_api.py --max-examples 5    # a quicker, bounded run
"""

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "Fuzz-pass-2026-long"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _openprm(env, *args) -> str:
    result = subprocess.run([str(BIN / "openprm"), *args], env=env, cwd=ROOT, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"openprm {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def _token(env, email, role, partner=None) -> str:
    extra = ["--partner", str(partner)] if partner else []
    _openprm(env, "createuser", email, "--role", role, "--password", PASSWORD, *extra)
    return _openprm(env, "createtoken", email, "--name", "fuzz").strip().splitlines()[-1]


def _wait_for(url, server, seconds=60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("The server stopped before answering.")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"No answer from {url} within {seconds} s.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=int(os.environ.get("FUZZ_MAX_EXAMPLES", 25)),
                        help="Examples per operation and phase (default 25, or $FUZZ_MAX_EXAMPLES)")
    parser.add_argument("--seed", type=int, default=int(os.environ.get("FUZZ_SEED", 1)))
    parser.add_argument("--partners", type=int, default=8, help="Demo partners to load (at least 8)")
    parser.add_argument("--phases", default=os.environ.get("FUZZ_PHASES", ""),
                        help="schemathesis phases, e.g. examples,fuzzing (default: schemathesis's own)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="openprm-fuzz-") as var:
        env = {**os.environ, "OPENPRM_VAR_DIR": var, "DATABASE_URL": f"sqlite:///{var}/fuzz.sqlite3",
               "OPENPRM_TESTING": "1", "DEBUG": "0", "OPENPRM_DEMO": "0", "LOG_LEVEL": "ERROR",
               "EMAIL_BACKEND": "locmem"}
        print(f"Preparing a throw-away program in {var} …", flush=True)
        _openprm(env, "migrate", "--noinput")
        _openprm(env, "demo", "--once", "--partners", str(args.partners), "--seed", str(args.seed), "--no-progress")
        tokens = {"admin": _token(env, "fuzz-admin@fuzz.test", "admin"),
                  "partner": _token(env, "fuzz-partner@fuzz.test", "partner_admin", partner=1)}
        port = _free_port()
        # The server's log goes to a file: a pipe nobody reads fills up and stalls the server.
        server_log = Path(var) / "server.log"
        log_file = server_log.open("w")
        server = subprocess.Popen([str(BIN / "openprm"), "runserver", f"127.0.0.1:{port}", "--noreload"],
                                  env=env, cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT, text=True)
        schema_url = f"http://127.0.0.1:{port}/api/v1/openapi.json"
        failed, totals = [], {}
        try:
            _wait_for(schema_url, server)
            for label, token in tokens.items():
                print(f"\n=== schemathesis as the {label} ({args.max_examples} examples per operation) ===", flush=True)
                command = [str(BIN / "schemathesis"), "run", schema_url, "--checks", "not_a_server_error",
                           "--header", f"Authorization: Bearer {token}", "--max-examples", str(args.max_examples),
                           "--seed", str(args.seed), "--workers", "1", "--no-color", "--warnings", "off",
                           "--request-timeout", "30"]
                if args.phases:
                    command += ["--phases", args.phases]
                run = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                       text=True)
                output = []
                for line in run.stdout:  # streamed, so a long run shows its progress
                    output.append(line)
                    print(line, end="", flush=True)
                text = "".join(output)
                found = re.search(r"(\d+) generated", text)
                totals[label] = int(found.group(1)) if found else None
                if run.wait():
                    failed.append(label)
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
            log_file.close()
        tracebacks = [block for block in server_log.read_text().split("\n\n") if "Traceback" in block]
        if tracebacks:
            print(f"\nThe server logged {len(tracebacks)} traceback(s); the last one:\n{tracebacks[-1][-4000:]}")
        print(f"\nTest cases generated: {totals}")
        if failed:
            print(f"Server errors (or a failed run) as: {', '.join(failed)}")
            return 1
        print("No server error.")
        return 0


if __name__ == "__main__":
    sys.exit(main())
