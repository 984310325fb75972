"""For the /ops tests: finished jobs rolled up for the charts, and reading the page the way an
admin reads it (the words in each row of a table, and in each section)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html.parser import HTMLParser

from sqlalchemy import insert

from tests.staff.helpers import make_job
from webapp.extensions import db
from webapp.models.job import Job
from webapp.models.ops import MonitorMark
from webapp.models.user import User
from webapp.monitoring import stats


@dataclass
class Row:
    """One table row: its id, its classes and the text of each cell."""

    id: str
    classes: list[str]
    cells: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


class _Rows(HTMLParser):
    """Collects every <tr> of the page, each cell's text with its spaces collapsed."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Row] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "tr":
            self.rows.append(Row(found.get("id") or "", (found.get("class") or "").split()))
        elif tag in ("td", "th") and self.rows:
            self._cell = []
        elif tag == "a" and self.rows and self._cell is not None:
            self.rows[-1].links.append(found.get("href") or "")
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].cells.append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def rows(html: str) -> list[Row]:
    """Every table row of `html`, in order."""
    parser = _Rows()
    parser.feed(html)
    return parser.rows


def row(html: str, row_id: str) -> Row:
    """The row with id `row_id`."""
    found = [r for r in rows(html) if r.id == row_id]
    assert len(found) == 1, f"{len(found)} rows with id {row_id}"
    return found[0]


def section(html: str, section_id: str) -> str:
    """The HTML of <section id=...>."""
    match = re.search(rf'<section[^>]*id="{section_id}".*?</section>', html, re.S)
    assert match, f"no section {section_id}"
    return match.group(0)


def text(html: str) -> str:
    """The words of `html`, tags removed and spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def finish(user: User, status: str, ended: datetime, wait: float, run: float) -> Job:
    """A job that finished (completed or failed) at `ended` after waiting and running so long."""
    started = ended - timedelta(seconds=run)
    columns = {"completed_at": ended} if status == "completed" else {"failed_at": ended}
    return make_job(
        user, status, created_at=started - timedelta(seconds=wait), started_at=started,
        with_file=False, **columns,
    )  # fmt: skip


def roll_up_from(start: datetime) -> int:
    """Roll the finished minutes up from `start` on (not the whole first day), as the scheduler
    does twice a minute; returns how many minutes were rolled."""
    with db.engine.begin() as conn:
        conn.execute(insert(MonitorMark).values(name=stats.MARK, value=start.timestamp(), at=start))
    return stats.rollup()
