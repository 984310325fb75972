"""Every actor. Actors are thin: they hand the job id to the runner, which does the rest."""

from __future__ import annotations
