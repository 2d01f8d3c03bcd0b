"""What ``/admin`` shows: the configuration embed, the ledger, the audit log and the jobs
list, in the reader's language (``admin.ftl``), fitted to Discord's limits (:mod:`cogs.fit`):
a list too long for its message ends with "…and 12 more"."""

from __future__ import annotations

import discord

from bot.generation.job import Job
from bot.guilds.config import MODEL_LABELS, GuildConfig
from bot.words import Voice
from cogs import fit
from cogs.credits import ledger_event
from storage.ledger import LedgerEntry
from storage.moderation import AuditEntry

MAX_BUTTONS = 25  # Discord: 5 rows of 5 buttons


def config_embed(config: GuildConfig, t: Voice, part: str = "all") -> discord.Embed:
    """The guild's configuration as a moderator reads it (``/admin config show`` and after
    every change: ``part`` "all"), or only its allowance and caps (``allowance show``:
    "allowance") or its prices (``prices show``: "prices")."""
    embed = discord.Embed(title=t("config-title"), colour=discord.Colour.blurple())
    if part == "all":
        _session_fields(embed, config, t)
    if part in ("all", "allowance"):
        _allowance_fields(embed, config, t)
    if part in ("all", "prices"):
        _prices_field(embed, config, t)
    if part == "all":
        _moderator_field(embed, config, t)
    return embed


def _session_fields(embed: discord.Embed, config: GuildConfig, t: Voice) -> None:
    channels = ", ".join(f"<#{c}>" for c in config.allowed_channel_ids) or t("config-everywhere")
    embed.add_field(
        name=t("config-sessions"),
        value=t(
            "config-sessions-value", channels=channels,
            model=MODEL_LABELS[config.default_model], duration=config.default_duration_s,
            resolution=config.default_resolution, longest=config.max_duration_s,
            idle=config.session_idle_minutes, faces=t(f"choice-face-{config.face_check}"),
            provider=config.provider,
        )
        + "\n"
        + t("config-threads", mode=t(f"choice-threads-{config.session_threads}")),
        inline=False,
    )  # fmt: skip


def _moderator_field(embed: discord.Embed, config: GuildConfig, t: Voice) -> None:
    mod = f"<@&{config.moderator_role_id}>" if config.moderator_role_id else t("config-manage-only")
    log_channel = f"<#{config.audit_channel_id}>" if config.audit_channel_id else t("config-none")
    embed.add_field(
        name=t("config-moderators"), value=t("config-moderators-value", role=mod, log=log_channel)
    )


def _allowance_fields(embed: discord.Embed, config: GuildConfig, t: Voice) -> None:
    a, caps = config.allowance, config.caps
    roles = ", ".join(f"<@&{r}> {n}" for r, n in a.role_amounts.items()) or t("config-none")
    members = ", ".join(f"<@{u}> {n}" for u, n in a.member_amounts.items()) or t("config-none")
    embed.add_field(
        name=t("config-allowance"),
        value=t(
            "config-allowance-value", start=a.starting_grant, amount=a.refill_amount,
            period=t(f"choice-period-{a.refill_period}"), cap=a.refill_cap, roles=roles,
            members=members,
        ),
        inline=False,
    )  # fmt: skip

    def cap(value: int | None, key: str = "config-count") -> str:
        return t("config-no-limit") if value is None else t(key, n=value)

    embed.add_field(
        name=t("config-caps"),
        value=t(
            "config-caps-value", videos=cap(caps.videos_per_day),
            seconds=cap(caps.seconds_per_day, "seconds"), jobs=cap(caps.concurrent_jobs),
            cooldown=cap(caps.cooldown_s, "seconds"),
        ),
        inline=False,
    )  # fmt: skip


def _prices_field(embed: discord.Embed, config: GuildConfig, t: Voice) -> None:
    p = config.prices
    rates = "\n".join(
        f"{MODEL_LABELS.get(m, m)}: "
        + ", ".join(t("config-rate", resolution=r, rate=v) for r, v in by_res.items())
        for m, by_res in p.per_second.items()
    )
    factor = f"{p.video_input_factor:g}" if p.video_input_factor is not None else "provider"
    embed.add_field(
        name=t("config-prices"),
        value=t(
            "config-prices-value", rates=rates or "none", factor=factor,
            per_usd=f"{p.credits_per_usd:g}",
        ),
        inline=False,
    )  # fmt: skip


def audit_line(entry: AuditEntry, t: Voice) -> str:
    """One audit entry as a moderator reads it (what was done is named in their language;
    the details are kept as recorded)."""
    action = t("audit-action", action=entry.action.replace(".", "-"))
    return t(
        "audit-line", when=entry.created_at.strftime("%Y-%m-%d %H:%M"),
        actor=f"<@{entry.actor_id}>", action=action,
        target=f"<@{entry.target_id}>" if entry.target_id else "none", details=entry.details,
        reason=entry.reason or "none",
    )  # fmt: skip


def ledger_embed(
    member: str, entries: list[LedgerEntry], available: int, t: Voice
) -> discord.Embed:
    """A member's latest ledger entries (``/admin credits ledger``), newest first."""
    lines = [
        t("ledger-line", day=f"{e.created_at:%Y-%m-%d %H:%M}", event=ledger_event(e, t))
        for e in entries
    ]
    embed = discord.Embed(
        title=t("ledger-title", member=member),
        description=fit.lines(lines, fit.EMBED_DESCRIPTION, fit.more(t)) or t("ledger-empty"),
        colour=discord.Colour.blurple(),
    )
    embed.set_footer(text=t("ledger-available", available=available))
    return fit.embed(embed)


def audit_embed(rows: list[AuditEntry], t: Voice) -> discord.Embed:
    """The latest audit entries (``/admin audit``)."""
    lines = [audit_line(row, t) for row in rows]
    return fit.embed(
        discord.Embed(
            title=t("audit-title"),
            description=fit.lines(lines, fit.EMBED_DESCRIPTION, fit.more(t)) or t("audit-empty"),
            colour=discord.Colour.dark_grey(),
        )
    )


def jobs_text(jobs: list[Job], t: Voice) -> str:
    """The running and queued jobs, one line each (``/admin jobs list``), as many as a
    message holds, then how many more."""
    lines = [
        t(
            "jobs-line", job=str(j.id), member=f"<@{j.user_id}>", state=str(j.state),
            duration=j.request.duration_s, resolution=j.request.resolution, price=j.price,
        )
        for j in jobs
    ]  # fmt: skip
    return fit.lines(lines, fit.CONTENT, fit.more(t)) or t("jobs-none")


def done_jobs_text(jobs: list[Job], t: Voice) -> str:
    """Finished or failed jobs, newest first, one line each (``/admin jobs list show:…``),
    with why a failure failed, as many as a message holds."""
    lines = []
    for j in jobs:
        reason = t(j.reason) if j.reason is not None else ""
        lines.append(
            t(
                "jobs-done-line", job=str(j.id), member=f"<@{j.user_id}>", state=str(j.state),
                kind=j.kind, when=j.created_at.strftime("%Y-%m-%d %H:%M"),
                duration=j.request.duration_s, resolution=j.request.resolution, price=j.price,
                reason=reason or "none",
            )
        )  # fmt: skip
    return fit.lines(lines, fit.CONTENT, fit.more(t)) or t("jobs-done-none")
