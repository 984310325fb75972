"""What the benches ran on: CPU, cores, memory, Python, SQLite, PostgreSQL and Redis versions."""

from __future__ import annotations

import os
import platform
import shutil
import sqlite3
import subprocess
from pathlib import Path


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (the platform's word for it elsewhere)."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_gib() -> float:
    """Total memory in GiB from /proc/meminfo (0 when unknown)."""
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return 0.0


def redis_version() -> str:
    """The version of the redis-server the benches start (or that BENCH_REDIS_URL is)."""
    server = shutil.which("redis-server")
    if not server:
        return "not found"
    done = subprocess.run([server, "--version"], capture_output=True, text=True, check=False)
    words = dict(part.split("=", 1) for part in done.stdout.split() if "=" in part)
    return words.get("v", done.stdout.strip())


def postgresql_version(url: str | None) -> str:
    """The PostgreSQL server's version at `url`, or a word saying why there is none."""
    if not url:
        return "not used (BENCH_DATABASE_URL not set)"
    try:
        from sqlalchemy import create_engine, text

        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                return str(conn.scalar(text("SHOW server_version")))
        finally:
            engine.dispose()
    except Exception as error:  # the report says what went wrong; the run goes on
        return f"unreachable ({type(error).__name__})"


def describe(database_url: str | None) -> dict[str, str]:
    """The machine and the software versions, as RESULTS.md lists them."""
    return {
        "CPU": cpu_model(),
        "cores": str(os.cpu_count()),
        "memory": f"{memory_gib():.1f} GiB",
        "system": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "SQLite": sqlite3.sqlite_version,
        "PostgreSQL": postgresql_version(database_url),
        "Redis": redis_version(),
        "load average at start": " ".join(f"{load:.2f}" for load in os.getloadavg()),
    }
