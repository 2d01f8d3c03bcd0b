"""Which queued job runs next: a fair order across members (docs/ARCHITECTURE.md "Jobs
survive restarts"), so one member cannot starve the others."""

from __future__ import annotations

from collections.abc import Sequence

from bot.generation.job import Job


def fair_order(queued: Sequence[Job], running: Sequence[Job]) -> list[Job]:
    """Queued jobs in fair order: round-robin across members, each member's oldest first,
    members with fewer running jobs first."""
    load: dict[int, int] = {}
    for job in running:
        load[job.user_id] = load.get(job.user_id, 0) + 1
    seen: dict[int, int] = {}
    ranked = []
    for job in sorted(queued, key=lambda j: j.id):
        turn = load.get(job.user_id, 0) + seen.get(job.user_id, 0)
        seen[job.user_id] = seen.get(job.user_id, 0) + 1
        ranked.append((turn, job.id, job))
    return [job for _, _, job in sorted(ranked, key=lambda item: (item[0], item[1]))]
