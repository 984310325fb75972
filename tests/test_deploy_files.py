"""The deployment files (Containerfile, compose example, systemd units) against the repository.

No container engine runs here, so nothing is built: these checks read the files and hold them to
what the repository has. Every path copied exists and is not ignored, the build runs
`make setup`'s steps, the commands are the Procfile's, the modules and scripts they name exist,
dramatiq and gunicorn accept their arguments, every queue has a worker, and every environment
variable set is one Tamam reads.
"""

from __future__ import annotations

import ast
import fnmatch
import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from webapp.settings import PROJECT_ROOT

ROOT = PROJECT_ROOT
CONTAINERFILE = ROOT / "Containerfile"
COMPOSE = ROOT / "docs" / "deploy" / "compose.yaml"
UNITS = ROOT / "docs" / "deploy"
# Services of the compose example that run Tamam (the others are PostgreSQL and Redis).
TAMAM_SERVICES = ("release", "web", "worker", "worker-reports", "scheduler")
# Set in the image for Python and pip themselves, not read by Tamam.
RUNTIME_ENV = ("PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "PIP_")
SECRET_NAMES = re.compile(r"SECRET|PASSWORD|TOKEN|_SID$|DATABASE_URL|REDIS_URL")


# --- What the repository says ------------------------------------------------------------


def setting_names() -> set[str]:
    """Every environment variable webapp/settings.py reads."""
    source = (ROOT / "webapp" / "settings.py").read_text()
    names = set(re.findall(r'env\.get\("([A-Z][A-Z0-9_]*)"', source))
    names |= set(re.findall(r'_(?:int|float|bool|one_of)\(env, "([A-Z][A-Z0-9_]*)"', source))
    return names


def procfile() -> dict[str, str]:
    """The Procfile's lines by process name."""
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


def procfile_variables() -> set[str]:
    """The variables the Procfile's lines read (PORT, WEB_CONCURRENCY, ...)."""
    return set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", (ROOT / "Procfile").read_text()))


def all_queues() -> set[str]:
    """Every queue a message can be sent to: the job types' and the plain actors'."""
    import webapp.engine.catalog  # noqa: F401  (registers the job types)
    from webapp.engine import registry

    queues = {job_type.queue for job_type in registry.all_types()}
    tree = ast.parse((ROOT / "tasks" / "actors.py").read_text())
    for node in ast.walk(tree):
        keyword = isinstance(node, ast.keyword) and node.arg == "queue_name"
        if keyword and isinstance(node.value, ast.Constant):
            queues.add(node.value.value)
    return queues


def make_setup_commands() -> list[str]:
    """The commands `make setup`'s prerequisites run, with $(BIN)/python as plain `python`."""
    makefile = (ROOT / "Makefile").read_text()
    prerequisites = re.search(r"^setup: ([^#]+)##", makefile, re.MULTILINE)
    assert prerequisites, "Makefile has no setup target"
    commands = []
    for target in prerequisites.group(1).split():  # as written: $(RUN_STAMP) htmx fonts ...
        recipe = re.search(rf"^{re.escape(target)}:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
        assert recipe, f"no recipe for {target}"
        for line in recipe.group(1).splitlines():
            command = line.strip().lstrip("@")
            if command.startswith("$(BIN)/python"):
                commands.append(normalise(command.replace("$(BIN)/python", "python")))
    return commands


def normalise(command: str) -> str:
    """One spelling for a command: `pip` for `python -m pip`, no --quiet."""
    words = shlex.split(command.replace("python -m pip", "pip"))
    return " ".join(word for word in words if word != "--quiet")


# --- The Containerfile ---------------------------------------------------------------------


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) for each line of the Containerfile, continuations joined."""
    text = re.sub(r"\\\n", " ", CONTAINERFILE.read_text())
    result = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        result.append((word.upper(), rest.strip()))
    return result


def arguments(rest: str) -> list[str]:
    """An instruction's arguments, in exec form (JSON) or shell form."""
    return json.loads(rest) if rest.startswith("[") else shlex.split(rest)


def env_assignments() -> dict[str, str]:
    """Every ENV the Containerfile sets."""
    found: dict[str, str] = {}
    for word, rest in instructions():
        if word == "ENV":
            found.update(part.split("=", 1) for part in shlex.split(rest))  # type: ignore[misc]
    return found


def ignore_patterns(path: Path) -> list[str]:
    """The patterns of an ignore file."""
    lines = [line.strip() for line in path.read_text().splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def ignored(relative: str, patterns: list[str]) -> bool:
    """Whether a path of the build context is left out (the file's simple patterns only)."""
    parts = Path(relative).parts
    for pattern in patterns:
        bare = pattern.removeprefix("**/")
        for depth in range(1, len(parts) + 1):
            prefix = "/".join(parts[:depth])
            if fnmatch.fnmatch(prefix, pattern) or fnmatch.fnmatch(parts[depth - 1], bare):
                return True
    return False


def test_ignore_files_are_one_and_keep_local_state_out() -> None:
    """.dockerignore is .containerignore; secrets, data and the venv never reach the image."""
    assert (ROOT / ".dockerignore").read_text() == (ROOT / ".containerignore").read_text()
    patterns = ignore_patterns(ROOT / ".containerignore")
    for path in (".env", "instance/secret_key", "instance/tamam.db", ".venv/bin/python", ".git"):
        assert ignored(path, patterns), path
    for path in ("webapp/static/vendor/htmx.min.js", "webapp/translations/x/ar/messages.mo"):
        assert ignored(path, patterns), f"{path} is rebuilt in the image, not copied"


def test_every_copied_path_exists_and_is_in_the_context() -> None:
    """Each COPY source exists in the repository and the ignore file does not drop it."""
    patterns = ignore_patterns(ROOT / ".containerignore")
    copies = [arguments(rest) for word, rest in instructions() if word == "COPY"]
    assert copies
    for args in copies:
        assert not any(arg.startswith("--from") for arg in args)
        for source in args[:-1]:
            assert (ROOT / source).exists(), f"COPY {source}: no such path"
            assert not ignored(source, patterns), f"COPY {source}: excluded by .containerignore"
    copied = {source for args in copies for source in args[:-1]}
    # What the processes need at run time: the app, the workers, migrations, the WSGI entry.
    assert {"webapp", "tasks", "migrations", "wsgi.py", ".flaskenv", "requirements.txt"} <= copied


def test_build_runs_make_setup_steps() -> None:
    """The image is set up as `make setup` sets up .venv: same install, fetches and compile."""
    run = [
        normalise(command)
        for word, rest in instructions()
        if word == "RUN"
        for command in rest.split("&&")
    ]
    setup = make_setup_commands()
    assert len(setup) == 4, setup  # pip install, htmx, fonts, catalogs
    for command in setup:
        assert command in run, f"`make setup` runs {command!r}, the Containerfile does not"
    for command in run:
        script = re.match(r"python (scripts/\S+\.py)", command)
        if script:
            assert (ROOT / script.group(1)).is_file(), command


def test_default_command_is_the_procfile_web_line() -> None:
    """CMD runs the Procfile's web line under sh (for its defaults), exec'd so tini signals it."""
    cmd = [arguments(rest) for word, rest in instructions() if word == "CMD"]
    assert len(cmd) == 1
    shell, flag, line = cmd[0]
    assert (shell, flag) == ("sh", "-c")
    assert line == "exec " + procfile()["web"]
    entrypoint = [arguments(rest) for word, rest in instructions() if word == "ENTRYPOINT"]
    assert entrypoint == [["tini", "--"]]
    assert "tini" in " ".join(rest for word, rest in instructions() if word == "RUN")


def test_gunicorn_accepts_the_web_line_and_wsgi_app_exists() -> None:
    """gunicorn's own parser reads the web line; wsgi.py defines `app`."""
    from gunicorn.config import Config

    line = procfile()["web"]
    words = shlex.split(re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", line))
    assert words[0] == "gunicorn"
    parsed = Config().parser().parse_args(words[1:])
    assert parsed.args == ["wsgi:app"]
    tree = ast.parse((ROOT / "wsgi.py").read_text())
    targets = [t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets]
    assert "app" in targets


def test_image_environment_is_known_and_holds_no_secret() -> None:
    """ENV sets only settings Tamam reads (or Python's and pip's own), and no secret."""
    env = env_assignments()
    known = setting_names()
    for name in env:
        assert name in known or name.startswith(RUNTIME_ENV), f"ENV {name}: not a Tamam setting"
        assert not SECRET_NAMES.search(name), f"ENV {name}: a secret or a URL is baked in"
    assert env["TAMAM_ENV"] == "production"
    assert not [rest for word, rest in instructions() if word == "ARG"]


def test_non_root_user_storage_volume_and_healthcheck() -> None:
    """Runs as a numeric non-root user, STORAGE_DIR is a volume, the health check is /healthz."""
    users = [rest for word, rest in instructions() if word == "USER"]
    assert users and users[-1].split(":")[0] not in {"0", "root"}
    assert users[-1].split(":")[0].isdigit()  # Kubernetes' runAsNonRoot needs a number
    volumes = [v for word, rest in instructions() if word == "VOLUME" for v in arguments(rest)]
    assert env_assignments()["STORAGE_DIR"] in volumes
    checks = [rest for word, rest in instructions() if word == "HEALTHCHECK"]
    assert len(checks) == 1 and "/healthz" in checks[0]
    assert '"/healthz"' in (ROOT / "webapp" / "health.py").read_text()


# --- The compose example -----------------------------------------------------------------


def test_compose_names_every_process() -> None:
    """Without a YAML parser: the services are there and the workers restart themselves."""
    text = COMPOSE.read_text()
    for service in (*TAMAM_SERVICES, "postgres", "redis"):
        assert re.search(rf"^  {re.escape(service)}:$", text, re.MULTILINE), service
    assert text.count("restart: unless-stopped") >= 4
    assert "SECRET_KEY: ${SECRET_KEY:?" in text  # required from the environment, never written


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    """The compose file, parsed (PyYAML comes with the dev requirements)."""
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load(COMPOSE.read_text())


def dramatiq_args(command: list[str]) -> Any:
    """A worker command read by dramatiq's own argument parser."""
    from dramatiq.cli import make_argument_parser

    assert command[0] == "dramatiq"
    try:
        return make_argument_parser().parse_args(command[1:])
    except SystemExit:  # argparse's way of refusing
        pytest.fail(f"dramatiq refuses {command}")


def test_compose_builds_this_repository(compose: dict[str, Any]) -> None:
    """Each Tamam service builds the Containerfile at the repository's root."""
    services = compose["services"]
    for name in TAMAM_SERVICES:
        build = services[name]["build"]
        context = (COMPOSE.parent / build["context"]).resolve()
        assert context == ROOT.resolve()
        assert (context / build["dockerfile"]).is_file()


def test_compose_commands_are_the_procfile_s(compose: dict[str, Any]) -> None:
    """release and scheduler run the Procfile's lines; web keeps the image's (Procfile) CMD."""
    services = compose["services"]
    lines = procfile()
    assert " ".join(services["release"]["command"]) == lines["release"]
    assert " ".join(services["scheduler"]["command"]) == lines["scheduler"]
    assert "command" not in services["web"]
    assert (ROOT / "tasks" / "scheduler.py").is_file() and (ROOT / "tasks" / "worker.py").is_file()


def test_compose_workers_serve_every_queue(compose: dict[str, Any]) -> None:
    """dramatiq accepts each worker command, and together the workers serve every queue."""
    served: set[str] = set()
    workers = [s for s in compose["services"].values() if "dramatiq" in s.get("command", [])]
    assert len(workers) >= 1
    for service in workers:
        parsed = dramatiq_args(service["command"])
        assert parsed.broker == "tasks.worker" and parsed.modules == []
        served |= set(parsed.queues or all_queues())
        assert service["restart"] == "unless-stopped"
        # Longer than the worker's graceful shutdown, or the runtime kills jobs mid-drain.
        grace = service["stop_grace_period"]
        assert grace.endswith("m") and int(grace[:-1]) * 60_000 > parsed.worker_shutdown_timeout
        assert service["healthcheck"] == {"disable": True}
    assert served == all_queues()


def test_compose_shares_storage_and_sets_only_known_settings(compose: dict[str, Any]) -> None:
    """One volume at STORAGE_DIR for web, workers and scheduler; only settings Tamam reads."""
    services = compose["services"]
    known = setting_names() | procfile_variables()
    for name in TAMAM_SERVICES:
        service = services[name]
        environment = service["environment"]
        assert set(environment) <= known, set(environment) - known
        assert f"storage:{environment['STORAGE_DIR']}" in service["volumes"]
        for other in service.get("depends_on", {}):
            assert other != name and other in services
    assert "storage" in compose["volumes"]


def test_compose_runs_one_scheduler(compose: dict[str, Any]) -> None:
    """One scheduler, stopped with the default SIGTERM (it gives the lease up on it)."""
    scheduler = compose["services"]["scheduler"]
    assert scheduler.get("deploy", {}).get("replicas", 1) == 1
    assert scheduler.get("stop_signal", "SIGTERM") == "SIGTERM"
    assert scheduler["restart"] == "unless-stopped"


# --- The systemd units -------------------------------------------------------------------


def unit(name: str) -> dict[str, str]:
    """A unit's Key=value lines (the last one wins), comments left out."""
    values: dict[str, str] = {}
    for line in (UNITS / name).read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            values[key] = value
    return values


def exec_words(name: str) -> list[str]:
    """A unit's ExecStart with its Environment= defaults put in and the venv path dropped."""
    values = unit(name)
    defaults = dict(pair.split("=", 1) for pair in values.get("Environment", "").split())
    command = re.sub(r"\$\{([A-Z_]+)\}", lambda m: defaults[m.group(1)], values["ExecStart"])
    words = shlex.split(command)
    return [Path(words[0]).name, *words[1:]]


def procfile_words(name: str) -> list[str]:
    """A Procfile line with its defaults put in."""
    return shlex.split(re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", procfile()[name]))


@pytest.mark.parametrize("name", ["tamam-web", "tamam-worker", "tamam-scheduler"])
def test_units_restart_and_read_the_environment_file(name: str) -> None:
    """Every unit restarts whatever its exit and reads /etc/tamam/tamam.env."""
    values = unit(f"{name}.service")
    assert values["Restart"] == "always"
    assert values["StartLimitIntervalSec"] == "0"
    assert values["EnvironmentFile"] == "/etc/tamam/tamam.env"
    assert values["KillMode"] == "mixed"
    assert set(values.get("Environment", "").replace("=", " ").split()[::2]) <= (
        procfile_variables()
    )


def test_units_run_the_procfile_lines() -> None:
    """Same commands and defaults as the Procfile; web on loopback, worker without supervisor."""
    web, procfile_web = exec_words("tamam-web.service"), procfile_words("web")
    bind = procfile_web.index("--bind") + 1
    assert web[bind] == "127.0.0.1:5000" and procfile_web[bind] == "0.0.0.0:5000"
    assert web[:bind] + web[bind + 1 :] == procfile_web[:bind] + procfile_web[bind + 1 :]

    worker = exec_words("tamam-worker.service")
    supervised = procfile_words("worker")
    assert supervised[:4] == ["python", "-m", "tasks.keep_running", "--"]
    assert worker[: len(supervised) - 4] == supervised[4:]
    parsed = dramatiq_args(worker)
    assert parsed.broker == "tasks.worker" and parsed.queues is None

    assert exec_words("tamam-scheduler.service") == procfile_words("scheduler")


def test_unit_stop_timeouts_cover_graceful_shutdown() -> None:
    """systemd waits longer than the worker drains; the scheduler is stopped with SIGTERM."""
    worker = unit("tamam-worker.service")
    parsed = dramatiq_args(exec_words("tamam-worker.service"))
    assert worker["TimeoutStopSec"].endswith("min")
    assert int(worker["TimeoutStopSec"][:-3]) * 60_000 > parsed.worker_shutdown_timeout
    assert unit("tamam-scheduler.service")["KillSignal"] == "SIGTERM"
    assert unit("tamam-web.service")["TimeoutStopSec"] == "40s"  # gunicorn's graceful 30 s


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_systemd_analyze_verify(tmp_path: Path) -> None:
    """systemd's own checker finds nothing to say (venv path pointed at this checkout)."""
    venv = ROOT / ".venv"
    if not (venv / "bin" / "dramatiq").exists():
        pytest.skip("needs the .venv the units' ExecStart points at")
    for path in sorted(UNITS.glob("*.service")):
        text = path.read_text().replace("/srv/tamam", str(ROOT))
        (tmp_path / path.name).write_text(text)
        done = subprocess.run(
            ["systemd-analyze", "verify", str(tmp_path / path.name)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0 and not done.stderr.strip(), done.stderr


# --- The notes -----------------------------------------------------------------------------


def test_deploy_notes_name_only_real_settings() -> None:
    """Every setting-like NAME in backticks in docs/deploy/README.md is one Tamam reads."""
    text = (UNITS / "README.md").read_text()
    known = setting_names() | procfile_variables() | {"SIGTERM", "SIGINT", "SIGKILL", "SIGSTOP"}
    known |= {"PR_SET_PDEATHSIG", "COPY", "RUN", "HEALTHCHECK"}  # a kernel flag, Containerfile
    known.add("POSTGRES_PASSWORD")  # the postgres image's, which compose.yaml reads
    names = set(re.findall(r"`([A-Z][A-Z0-9]*_[A-Z0-9_]+|[A-Z]{4,})`", text))
    assert names, "the notes name no settings?"
    assert names <= known, names - known
