"""Real services for the tests: PostgreSQL 15 with TLS (the system's binaries, as the local stack
uses them) and the project's own local Secrets Manager and throwaway CA (TypeScript, bundled with
esbuild and run by node)."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# The system's PostgreSQL (Debian's packages, as CI installs them), the newest when several are.
PG_BIN = Path(os.environ.get("PG_BIN") or sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                                                 key=lambda p: int(p.parent.parent.name))[-1].parent)
REGION, ACCESS_KEY = "us-east-1", "AKIDLOCALTEST"
APP_PASSWORD = "first p@ss/word:%&?"  # characters a URL must encode


class LocalServices:
    def __init__(self, proc: subprocess.Popen, info: dict) -> None:
        self.proc, self.info = proc, info

    def command(self, op: str, arn: str, value: str | None = None) -> dict:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps({"op": op, "arn": arn, "value": value}) + "\n")
        self.proc.stdin.flush()
        for _ in range(100):  # the TypeScript verifier logs a line or two before its answer
            line = self.proc.stdout.readline()
            if line.startswith("REPLY "):
                return json.loads(line[len("REPLY "):])
        raise AssertionError("local_services.ts gave no answer")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def workdir():
    d = tempfile.mkdtemp(prefix="slp-pytest-")
    os.chmod(d, 0o755)
    yield Path(d)
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def services(workdir):
    bundle = workdir / "local_services.js"
    subprocess.run([str(REPO / "node_modules/.bin/esbuild"), str(Path(__file__).with_name("local_services.ts")),
                    "--bundle", "--platform=node", "--log-level=warning", f"--outfile={bundle}"], check=True, timeout=60)
    proc = subprocess.Popen(["node", str(bundle), str(workdir / "certs"), REGION, ACCESS_KEY],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout
    info = json.loads(proc.stdout.readline())
    yield LocalServices(proc, info)
    assert proc.stdin
    proc.stdin.close()
    proc.wait(timeout=10)


def _as_postgres():
    if os.getuid() != 0:
        return None
    user = pwd.getpwnam("postgres")
    return lambda: (os.setgid(user.pw_gid), os.setuid(user.pw_uid))


@pytest.fixture(scope="session")
def postgres(workdir, services):
    """PostgreSQL with TLS from the local CA, a login role ``app`` whose password is in the secret."""
    data, port = workdir / "pg", _free_port()
    data.mkdir()
    if os.getuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(data, user.pw_uid, user.pw_gid)
    run = dict(preexec_fn=_as_postgres(), check=True, capture_output=True, timeout=120)
    subprocess.run([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=scram-sha-256",
                    f"--pwfile={_pwfile(workdir)}"], **run)
    for name in ("certFile", "keyFile"):
        target = data / Path(services.info[name]).name
        shutil.copy(services.info[name], target)
        os.chmod(target, 0o600)
        if os.getuid() == 0:
            os.chown(target, user.pw_uid, user.pw_gid)
    proc = subprocess.Popen([str(PG_BIN / "postgres"), "-D", str(data), "-p", str(port), "-k", str(data),
                             "-c", "listen_addresses=127.0.0.1", "-c", "ssl=on",
                             "-c", f"ssl_cert_file={data / 'server.pem'}", "-c", f"ssl_key_file={data / 'server.key'}"],
                            preexec_fn=_as_postgres(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        if subprocess.run([str(PG_BIN / "pg_isready"), "-h", "127.0.0.1", "-p", str(port)], capture_output=True).returncode == 0:
            break
        time.sleep(0.05)
    admin(port, f"CREATE ROLE app LOGIN PASSWORD '{APP_PASSWORD}'")
    yield port
    proc.send_signal(signal.SIGINT)  # fast shutdown: the container-wide connection may still be open
    proc.wait(timeout=30)


def _pwfile(workdir: Path) -> Path:
    path = workdir / "pwfile"
    path.write_text("admin-password\n")
    os.chmod(path, 0o644)
    return path


def admin(port: int, sql: str) -> None:
    """Run SQL as the superuser (through psql over TLS, not through the package under test)."""
    env = {**os.environ, "PGPASSWORD": "admin-password", "PGSSLMODE": "require"}
    subprocess.run([str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "postgres",
                    "-v", "ON_ERROR_STOP=1", "-qc", sql], env=env, check=True, capture_output=True, timeout=30)


@pytest.fixture
def env(services, postgres):
    """The function's environment as the construct and the local stack write it."""
    arn = services.info["arn"]
    services.command("put", arn, json.dumps({"username": "app", "password": APP_PASSWORD}))
    return {
        "DB_HOST": "localhost", "DB_PORT": str(postgres), "DB_NAME": "postgres", "DB_SECRET_ARN": arn,
        "DB_AUTH_MODE": "password", "AWS_REGION": REGION, "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": "local-secret", "AWS_SESSION_TOKEN": "local-token",
        "AWS_ENDPOINT_URL_SECRETS_MANAGER": services.info["url"], "NODE_EXTRA_CA_CERTS": services.info["caFile"],
        "FUNCTION_TIMEOUT_MS": "5000",
    }
