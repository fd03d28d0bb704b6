"""The production stack of docker-compose.yml, started natively on loopback.

The same processes with the same settings as compose: gunicorn (``DJANGO_ENV=production``,
static files from the collected manifest), a Celery worker and beat on Redis, PostgreSQL, and
Caddy in front with the project's Caddyfile, terminating TLS with its own local CA. Mail goes to
the SMTP server the caller names. Used by ``bin/production-smoke`` and ``make loadtest``.

Standard library only: Django runs in the subprocesses, never in the process that drives them.
"""

import base64
import os
import re
import secrets
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 90


class StackError(RuntimeError):
    pass


@dataclass
class Ports:
    """gunicorn, Caddy's https and http ports, and the SMTP server's port."""

    gunicorn: int
    https: int
    http: int
    smtp: int

    @classmethod
    def from_base(cls, base):
        return cls(gunicorn=base + 1, https=base + 43, http=base + 80, smtp=base + 25)


@dataclass
class Stack:
    app_dir: Path  # the source tree the processes run in (the image's /app)
    bin_dir: Path  # the virtualenv's bin directory with python, gunicorn and celery
    work_dir: Path  # logs, Caddy's data, the beat schedule
    database_url: str  # a superuser's: it makes the database and its owner and app roles
    broker_url: str
    ports: Ports
    extra_environment: dict = field(default_factory=dict)
    processes: dict = field(default_factory=dict)
    logs: dict = field(default_factory=dict)

    def __post_init__(self):
        # One set of secrets for every process of the stack, as one .env gives compose.
        self._environment = self.environment()

    @property
    def host(self):
        return "localhost"

    @property
    def base_url(self):
        return f"https://{self.host}:{self.ports.https}"

    @property
    def ca_certificate(self):
        return self.work_dir / "caddy-data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"

    def ssl_context(self):
        """A client context that trusts only Caddy's local CA: the certificate is really checked."""
        return ssl.create_default_context(cafile=str(self.ca_certificate))

    def environment(self):
        """The variables compose's x-app block and .env give the app's containers."""
        return {
            "PATH": f"{self.bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": str(self.work_dir),
            "LANG": "C.UTF-8",
            "PYTHONUNBUFFERED": "1",
            "DJANGO_ENV": "production",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": self.host,
            "CSRF_TRUSTED_ORIGINS": self.base_url,
            "TRUSTED_PROXIES": "127.0.0.1",
            # As in compose: the app connects as the role that owns no table.
            "DATABASE_URL": role_url(self.database_url, APP_ROLE),
            "AUDIT_HMAC_KEY": secrets.token_urlsafe(32),
            "AUDIT_CHECKPOINT_FILE": str(self.work_dir / "audit" / "checkpoints.log"),
            "CELERY_BROKER_URL": self.broker_url,
            "CPR_ENCRYPTION_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            "CPR_INDEX_KEY": secrets.token_urlsafe(32),
            "EXPORT_PSEUDONYM_SECRET": secrets.token_urlsafe(32),
            "EMAIL_URL": f"smtp://127.0.0.1:{self.ports.smtp}",
            "DEFAULT_FROM_EMAIL": "akuttilbud@localhost",
            "PRIVATE_MEDIA_ROOT": str(self.work_dir / "private"),
            "LOG_LEVEL": "INFO",
            **self.extra_environment,
        }

    # Set-up

    def prepare(self):
        self.work_dir.mkdir(parents=True, exist_ok=True)
        (self.work_dir / "private").mkdir(exist_ok=True)
        (self.work_dir / "audit").mkdir(exist_ok=True)
        recreate_database(self.database_url)
        make_roles(self.database_url, self.app_dir)
        self.run_python("-c", f"import redis; redis.Redis.from_url({self.broker_url!r}).flushdb()")
        # compose's one-shot migrate container: migrations run as the owner.
        self.run_python(
            "manage.py", "migrate", "--no-input", DATABASE_URL=role_url(self.database_url, OWNER_ROLE)
        )

    def manage(self, *arguments):
        return self.run_python("manage.py", *arguments)

    def run_python(self, *arguments, **environment):
        result = subprocess.run(  # noqa: S603 - fixed program and arguments, no shell
            [str(self.bin_dir / "python"), *arguments],
            cwd=self.app_dir,
            env={**self._environment, **environment},
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode:
            raise StackError(f"{' '.join(arguments)[:80]} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def shell(self, code):
        """Run code in ``manage.py shell``; the last line printed starting with RESULT is returned."""
        output = self.manage("shell", "-c", code)
        lines = [line for line in output.splitlines() if line.startswith("RESULT ")]
        return lines[-1].removeprefix("RESULT ") if lines else ""

    # The processes, started as compose starts them

    def start(self):
        self._start(
            "gunicorn",
            [
                str(self.bin_dir / "gunicorn"),
                "akuttilbud.wsgi",
                "--config",
                str(self.app_dir / "deploy" / "gunicorn.conf.py"),
                # Loopback here; in compose the proxy reaches it on the internal network.
                "--bind",
                f"127.0.0.1:{self.ports.gunicorn}",
                # The default control socket is one path per machine user; another gunicorn may hold it.
                "--no-control-socket",
            ],
        )
        self._start(
            "worker",
            [
                str(self.bin_dir / "celery"),
                "-A",
                "akuttilbud",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
            ],
        )
        self._start(
            "beat",
            [
                str(self.bin_dir / "celery"),
                "-A",
                "akuttilbud",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(self.work_dir / "celerybeat-schedule"),
            ],
        )
        self._start(
            "caddy",
            ["caddy", "run", "--config", str(PROJECT / "deploy" / "Caddyfile"), "--adapter", "caddyfile"],
            environment={
                "HOME": str(self.work_dir),
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "XDG_DATA_HOME": str(self.work_dir / "caddy-data"),
                "XDG_CONFIG_HOME": str(self.work_dir / "caddy-config"),
                "SITE_ADDRESS": f"{self.host}:{self.ports.https}",
                "CADDY_TLS": "internal",
                "CADDY_HTTPS_PORT": str(self.ports.https),
                "CADDY_HTTP_PORT": str(self.ports.http),
                # Loopback only, and never touch the machine's trust store.
                "CADDY_GLOBAL_OPTIONS": "skip_install_trust\n\tdefault_bind 127.0.0.1",
                "UPSTREAM": f"127.0.0.1:{self.ports.gunicorn}",
            },
        )
        self.wait_for_gunicorn()
        self.wait_for_worker()
        self.wait_for_proxy()

    def _start(self, name, command, environment=None):
        log = open(self.work_dir / f"{name}.log", "w")  # noqa: SIM115 - closed in stop()
        self.logs[name] = log
        self.processes[name] = subprocess.Popen(  # noqa: S603 - fixed program and arguments, no shell
            command,
            cwd=self.app_dir,
            env=environment or self._environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def alive(self, name):
        return self.processes[name].poll() is None

    def _check_running(self):
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise StackError(f"{name} exited with {process.returncode}: see {self.logs[name].name}")

    def _wait(self, what, ready):
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            self._check_running()
            if ready():
                return
            time.sleep(0.3)
        raise StackError(f"{what} was not ready within {STARTUP_SECONDS} s; logs in {self.work_dir}")

    def wait_for_gunicorn(self):
        def ready():
            # The compose health check itself: a host ALLOWED_HOSTS accepts, pages must render.
            result = subprocess.run(  # noqa: S603 - fixed program and arguments, no shell
                [
                    str(self.bin_dir / "python"),
                    "bin/healthcheck",
                    f"http://127.0.0.1:{self.ports.gunicorn}/healthz",
                ],
                cwd=self.app_dir,
                env={"ALLOWED_HOSTS": self.host, "PATH": os.environ.get("PATH", "")},
                capture_output=True,
                text=True,
            )
            return result.returncode == 0

        self._wait("gunicorn", ready)

    def wait_for_worker(self):
        def ready():
            log = Path(self.logs["worker"].name).read_text(errors="replace")
            return " ready." in log

        self._wait("the Celery worker", ready)

    def wait_for_proxy(self):
        def ready():
            if not self.ca_certificate.exists():
                return False
            try:
                with urllib.request.urlopen(  # noqa: S310 - our own https URL
                    f"{self.base_url}/healthz", timeout=3, context=self.ssl_context()
                ) as response:
                    return response.status == 200
            except (OSError, urllib.error.URLError, ssl.SSLError):
                return False

        self._wait("Caddy", ready)

    def stop(self):
        for name in reversed(list(self.processes)):
            process = self.processes[name]
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        for log in self.logs.values():
            log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


OWNER_ROLE = "akuttilbud_smoke_owner"
APP_ROLE = "akuttilbud_smoke_app"
ROLE_PASSWORD = "smoke-password"  # noqa: S105 - loopback server with trust authentication


def role_url(database_url, role):
    parts = urllib.parse.urlsplit(database_url)
    netloc = f"{role}:{ROLE_PASSWORD}@{parts.hostname}:{parts.port or 5432}"
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def make_roles(database_url, app_dir):
    """What compose's database does at its first start: bin/database-roles.sh."""
    parts = urllib.parse.urlsplit(database_url)
    environment = {
        **os.environ,
        "PGHOST": parts.hostname,
        "PGPORT": str(parts.port or 5432),
        "PGUSER": parts.username or "postgres",
        "PGDATABASE": parts.path.lstrip("/"),
        "DATABASE_OWNER_ROLE": OWNER_ROLE,
        "DATABASE_APP_ROLE": APP_ROLE,
        "DATABASE_OWNER_PASSWORD": ROLE_PASSWORD,
        "DATABASE_APP_PASSWORD": ROLE_PASSWORD,
    }
    subprocess.run(  # noqa: S603 - the project's own script, no shell
        ["sh", str(Path(app_dir) / "bin" / "database-roles.sh")],  # noqa: S607
        env=environment,
        check=True,
        capture_output=True,
    )


def recreate_database(database_url):
    """Drop and create the database named in the URL on the running PostgreSQL server."""
    parts = urllib.parse.urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise StackError(f"refusing database name {name!r}: use lower-case letters, digits and _")
    maintenance_url = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    for statement in (f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"):
        subprocess.run(  # noqa: S603 - the name was checked above; psql gets no shell
            ["psql", maintenance_url, "-v", "ON_ERROR_STOP=1", "-q", "-c", statement],  # noqa: S607
            check=True,
        )


def port_is_free(port):
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def start_smtp_server(work, port):
    """aiosmtpd storing every message in a Maildir (from the project's development packages)."""
    maildir = work / "maildir"
    log = open(work / "smtp.log", "w")  # noqa: SIM115 - closed with the process in main()
    process = subprocess.Popen(  # noqa: S603 - fixed program and arguments, no shell
        [
            str(PROJECT / ".venv" / "bin" / "python"),
            "-m",
            "aiosmtpd",
            "-n",  # as root it would otherwise switch to "nobody", who cannot write the Maildir
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Mailbox",
            str(maildir),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 20
    while not maildir.exists() or port_is_free(port):
        if process.poll() is not None or time.monotonic() > deadline:
            raise StackError(f"the SMTP server did not start; see {log.name}")
        time.sleep(0.2)
    return process, log, maildir
