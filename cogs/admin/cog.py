"""``/admin`` commands: thin translations onto :class:`bot.moderation.Moderation`.

Discord's ``default_member_permissions`` (Manage Server) hides the group from others, and
:meth:`AdminCog.interaction_check` checks again on every command (permissions can be
overridden per channel; a moderator role may be configured), as the cancel buttons do.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import CallsheetError
from bot.guilds.config import GuildConfig
from bot.words import say
from cogs import fit
from cogs.admin.components import CancelJobButton, NotModerator
from cogs.admin.render import (
    MAX_BUTTONS,
    audit_embed,
    audit_line,
    config_embed,
    done_jobs_text,
    jobs_text,
    ledger_embed,
)
from cogs.checks import NOT_A_MODERATOR, is_moderator
from cogs.client import CallsheetBot
from cogs.credits import chart_names, chart_voice
from cogs.errors import acknowledge, reply
from cogs.fit import Reason
from cogs.translator import MODEL_CHOICES, RESOLUTION_CHOICES, choices, words_for
from cogs.words import guild_voice, voice
from storage.moderation import AuditEntry

log = logging.getLogger(__name__)

Interaction = discord.Interaction[CallsheetBot]
_UNSET = -1  # "-1 removes the cap/override" in option descriptions


_REASON = words_for("opt-reason")
_MEMBER = words_for("opt-member")


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class AdminCog(commands.GroupCog, group_name="admin", group_description=words_for("cmd-admin")):
    """The moderator's console."""

    credits_group = app_commands.Group(name="credits", description=words_for("cmd-admin-credits"))
    allowance_group = app_commands.Group(
        name="allowance", description=words_for("cmd-admin-allowance")
    )
    prices_group = app_commands.Group(name="prices", description=words_for("cmd-admin-prices"))
    members_group = app_commands.Group(name="members", description=words_for("cmd-admin-members"))
    jobs_group = app_commands.Group(name="jobs", description=words_for("cmd-admin-jobs"))
    config_group = app_commands.Group(name="config", description=words_for("cmd-admin-config"))

    def __init__(self, bot: CallsheetBot) -> None:
        self.bot = bot
        self.moderation = bot.services.moderation
        super().__init__()

    async def cog_load(self) -> None:
        self.moderation.add_listener(self)

    async def cog_unload(self) -> None:
        self.moderation.remove_listener(self)

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        assert interaction.guild_id is not None
        config = await self.moderation.guild_configs.get(interaction.guild_id)
        if not is_moderator(interaction, config):
            raise NotModerator(NOT_A_MODERATOR)
        await acknowledge(interaction, "private")  # every admin reply is the moderator's alone
        return True

    async def audited(self, entry: AuditEntry, config: GuildConfig) -> None:
        """Post audit entries to the guild's log channel, if one is set."""
        if config.audit_channel_id:
            channel = self.bot.get_partial_messageable(config.audit_channel_id)
            line = audit_line(entry, guild_voice(self.bot, entry.guild_id))
            await channel.send(fit.content(line), allowed_mentions=discord.AllowedMentions.none())

    # Credits ----------------------------------------------------------------------------

    @credits_group.command(name="grant", description=words_for("cmd-admin-credits-grant"))
    @app_commands.describe(member=_MEMBER, amount=words_for("opt-grant-amount"), reason=_REASON)
    async def grant(
        self, interaction: Interaction, member: discord.Member,
        amount: app_commands.Range[int, 1, 1_000_000], reason: Reason,
    ) -> None:  # fmt: skip
        assert interaction.guild_id is not None
        balance = await self.moderation.grant(
            interaction.guild_id, interaction.user.id, member.id, amount, reason,
            key=str(interaction.id),
        )  # fmt: skip
        await reply(
            interaction,
            voice(interaction)("granted", amount=amount, member=member.mention, balance=balance),
        )

    @credits_group.command(name="revoke", description=words_for("cmd-admin-credits-revoke"))
    @app_commands.describe(member=_MEMBER, amount=words_for("opt-revoke-amount"), reason=_REASON)
    async def revoke(
        self, interaction: Interaction, member: discord.Member,
        amount: app_commands.Range[int, 1, 1_000_000], reason: Reason,
    ) -> None:  # fmt: skip
        assert interaction.guild_id is not None
        balance = await self.moderation.revoke(
            interaction.guild_id, interaction.user.id, member.id, amount, reason,
            key=str(interaction.id),
        )  # fmt: skip
        await reply(
            interaction,
            voice(interaction)("revoked", amount=amount, member=member.mention, balance=balance),
        )

    @credits_group.command(name="set", description=words_for("cmd-admin-credits-set"))
    @app_commands.describe(member=_MEMBER, balance=words_for("opt-set-balance"), reason=_REASON)
    async def set_balance(
        self, interaction: Interaction, member: discord.Member,
        balance: app_commands.Range[int, 0, 1_000_000], reason: Reason,
    ) -> None:  # fmt: skip
        assert interaction.guild_id is not None
        now = await self.moderation.set_balance(
            interaction.guild_id, interaction.user.id, member.id, balance, reason,
            key=str(interaction.id),
        )  # fmt: skip
        await reply(
            interaction, voice(interaction)("balance-set", member=member.mention, balance=now)
        )

    @credits_group.command(name="ledger", description=words_for("cmd-admin-credits-ledger"))
    @app_commands.describe(member=_MEMBER)
    async def ledger(self, interaction: Interaction, member: discord.Member) -> None:
        assert interaction.guild_id is not None
        entries = await self.moderation.ledger.entries(interaction.guild_id, member.id, 15)
        available = await self.moderation.ledger.available(interaction.guild_id, member.id)
        embed = ledger_embed(member.display_name, entries, available, voice(interaction))
        await reply(interaction, embed=embed)

    # Allowance and prices ---------------------------------------------------------------

    @allowance_group.command(name="show", description=words_for("cmd-admin-allowance-show"))
    async def allowance_show(self, interaction: Interaction) -> None:
        await self._show_config(interaction, "allowance")

    @allowance_group.command(name="set", description=words_for("cmd-admin-allowance-set"))
    @app_commands.describe(
        starting_grant=words_for("opt-starting-grant"),
        refill_period=words_for("opt-refill-period"),
        refill_amount=words_for("opt-refill-amount"),
        refill_cap=words_for("opt-refill-cap"),
        videos_per_day=words_for("opt-videos-per-day"),
        seconds_per_day=words_for("opt-seconds-per-day"),
        concurrent_jobs=words_for("opt-concurrent-jobs"),
        cooldown_s=words_for("opt-cooldown"),
        reason=_REASON,
    )
    @app_commands.choices(
        refill_period=choices("choice-period", ("none", "daily", "weekly", "monthly"))
    )
    async def allowance_set(
        self,
        interaction: Interaction,
        starting_grant: app_commands.Range[int, 0] | None = None,
        refill_period: str | None = None,
        refill_amount: app_commands.Range[int, 0] | None = None,
        refill_cap: app_commands.Range[int, 0] | None = None,
        videos_per_day: app_commands.Range[int, -1] | None = None,
        seconds_per_day: app_commands.Range[int, -1] | None = None,
        concurrent_jobs: app_commands.Range[int, -1] | None = None,
        cooldown_s: app_commands.Range[int, -1] | None = None,
        reason: Reason = "",
    ) -> None:
        changes: dict[str, object] = {}
        for name, value in (
            ("allowance.starting_grant", starting_grant),
            ("allowance.refill_period", refill_period),
            ("allowance.refill_amount", refill_amount),
            ("allowance.refill_cap", refill_cap),
        ):
            if value is not None:
                changes[name] = value
        for name, cap in (
            ("caps.videos_per_day", videos_per_day),
            ("caps.seconds_per_day", seconds_per_day),
            ("caps.concurrent_jobs", concurrent_jobs),
            ("caps.cooldown_s", cooldown_s),
        ):
            if cap is not None:
                changes[name] = None if cap == _UNSET else cap
        await self._configure(interaction, changes, reason)

    @allowance_group.command(name="role", description=words_for("cmd-admin-allowance-role"))
    @app_commands.describe(
        role=words_for("opt-role"), amount=words_for("opt-role-amount"), reason=_REASON
    )
    async def allowance_role(
        self, interaction: Interaction, role: discord.Role,
        amount: app_commands.Range[int, -1], reason: Reason = "",
    ) -> None:  # fmt: skip
        assert interaction.guild_id is not None
        current = (await self.moderation.guild_configs.get(interaction.guild_id)).allowance
        amounts = {k: v for k, v in current.role_amounts.items() if k != role.id}
        if amount != _UNSET:
            amounts[role.id] = amount
        await self._configure(interaction, {"allowance.role_amounts": amounts}, reason)

    @allowance_group.command(name="member", description=words_for("cmd-admin-allowance-member"))
    @app_commands.describe(member=_MEMBER, amount=words_for("opt-member-amount"), reason=_REASON)
    async def allowance_member(
        self, interaction: Interaction, member: discord.Member,
        amount: app_commands.Range[int, -1], reason: Reason = "",
    ) -> None:  # fmt: skip
        assert interaction.guild_id is not None
        current = (await self.moderation.guild_configs.get(interaction.guild_id)).allowance
        amounts = {k: v for k, v in current.member_amounts.items() if k != member.id}
        if amount != _UNSET:
            amounts[member.id] = amount
        await self._configure(interaction, {"allowance.member_amounts": amounts}, reason)

    @prices_group.command(name="show", description=words_for("cmd-admin-prices-show"))
    async def prices_show(self, interaction: Interaction) -> None:
        await self._show_config(interaction, "prices")

    @prices_group.command(name="set", description=words_for("cmd-admin-prices-set"))
    @app_commands.describe(
        model=words_for("opt-price-model"),
        resolution=words_for("opt-price-resolution"),
        credits_per_second=words_for("opt-credits-per-second"),
        reason=_REASON,
    )
    @app_commands.choices(model=MODEL_CHOICES, resolution=RESOLUTION_CHOICES)
    async def prices_set(
        self, interaction: Interaction, model: str, resolution: str,
        credits_per_second: app_commands.Range[float, 0.0, 1000.0], reason: Reason = "",
    ) -> None:  # fmt: skip
        await self._configure(
            interaction,
            {f"prices.per_second.{model}.{resolution}": credits_per_second},
            reason,
        )

    @prices_group.command(name="rates", description=words_for("cmd-admin-prices-rates"))
    @app_commands.describe(
        credits_per_dollar=words_for("opt-credits-per-dollar"),
        video_factor=words_for("opt-factor"), reason=_REASON,
    )  # fmt: skip
    async def prices_rates(
        self, interaction: Interaction,
        credits_per_dollar: app_commands.Range[float, 0.01, 100000.0] | None = None,
        video_factor: app_commands.Range[float, 0.1, 10.0] | None = None, reason: Reason = "",
    ) -> None:  # fmt: skip
        changes = {"prices.credits_per_usd": credits_per_dollar,
                   "prices.video_input_factor": video_factor}  # fmt: skip
        await self._configure(interaction, {k: v for k, v in changes.items() if v}, reason)

    # Members ----------------------------------------------------------------------------

    @members_group.command(name="ban", description=words_for("cmd-admin-members-ban"))
    @app_commands.describe(
        member=_MEMBER, reason=words_for("opt-ban-reason"), days=words_for("opt-ban-days")
    )
    async def ban(
        self, interaction: Interaction, member: discord.Member, reason: Reason,
        days: app_commands.Range[float, 0.01, 3650.0] | None = None,
    ) -> None:  # fmt: skip
        assert interaction.guild_id is not None
        expires = await self.moderation.ban(
            interaction.guild_id, interaction.user.id, member.id, reason, days
        )
        until = discord.utils.format_dt(expires) if expires else "none"
        await reply(interaction, voice(interaction)("banned", member=member.mention, until=until))

    @members_group.command(name="unban", description=words_for("cmd-admin-members-unban"))
    @app_commands.describe(member=_MEMBER, reason=_REASON)
    async def unban(
        self, interaction: Interaction, member: discord.Member, reason: Reason = ""
    ) -> None:
        assert interaction.guild_id is not None
        lifted = await self.moderation.unban(
            interaction.guild_id, interaction.user.id, member.id, reason
        )
        await reply(
            interaction, voice(interaction)("unbanned", member=member.mention, lifted=lifted)
        )

    # Jobs -------------------------------------------------------------------------------

    @jobs_group.command(name="list", description=words_for("cmd-admin-jobs-list"))
    @app_commands.describe(show=words_for("opt-jobs-show"), member=words_for("opt-jobs-member"))
    @app_commands.choices(show=choices("jobs-show", ("running", "finished", "failed")))
    async def jobs_list(
        self, interaction: Interaction, show: str = "running", member: discord.Member | None = None
    ) -> None:
        assert interaction.guild_id is not None
        t, quiet, who = voice(interaction), discord.AllowedMentions.none(), member
        if show != "running":  # finished or failed: newest first, nothing to cancel
            generation = self.bot.services.generation
            done = await generation.recent_jobs(interaction.guild_id, show, who.id if who else None)
            return await reply(interaction, done_jobs_text(done, t), allowed_mentions=quiet)
        jobs = await self.moderation.jobs(interaction.guild_id)
        jobs = [j for j in jobs if who is None or j.user_id == who.id]
        view = discord.ui.View(timeout=None)
        for job in jobs[:MAX_BUTTONS]:
            view.add_item(CancelJobButton(job.id, t))
        await reply(interaction, jobs_text(jobs, t), view=view, allowed_mentions=quiet)

    @jobs_group.command(name="cancel", description=words_for("cmd-admin-jobs-cancel"))
    @app_commands.describe(
        job_id=words_for("opt-job-id"), reason=words_for("opt-cancel-reason"),
        refund_anyway=words_for("opt-refund-anyway"),
    )  # fmt: skip
    async def jobs_cancel(
        self, interaction: Interaction, job_id: int, reason: Reason = "",
        refund_anyway: bool = False,
    ) -> None:  # fmt: skip
        await self.cancel_job(
            interaction, job_id, reason or voice(interaction)("no-reason-given"), refund_anyway
        )

    async def cancel_job(
        self,
        interaction: discord.Interaction[Any],
        job_id: int,
        reason: str,
        refund_anyway: bool = False,
    ) -> None:
        """Cancel; tell the moderator, and the member's channel when it was refunded."""
        assert interaction.guild_id is not None
        job, outcome = await self.moderation.cancel_job(
            interaction.guild_id, interaction.user.id, job_id, reason, refund_anyway=refund_anyway
        )
        t = voice(interaction)
        if outcome == "finishing":
            await reply(interaction, t("admin-cancel-finishing", job=str(job_id)))
            return
        await reply(interaction, t("admin-cancelled", job=str(job_id), price=job.price))
        session = await self.bot.services.sessions.get(job.session_id)
        channel = self.bot.get_partial_messageable(session.conversation_id)  # its thread if any
        notice = self.bot.services.words.text(
            "member-job-cancelled", session.locale, member=f"<@{job.user_id}>",
            job=str(job_id), reason=reason, price=job.price,
        )  # fmt: skip
        await channel.send(
            fit.content(notice),
            allowed_mentions=discord.AllowedMentions(users=[discord.Object(job.user_id)]),
        )

    # Config -----------------------------------------------------------------------------

    @config_group.command(name="show", description=words_for("cmd-admin-config-show"))
    async def config_show(self, interaction: Interaction) -> None:
        await self._show_config(interaction)

    @config_group.command(name="set", description=words_for("cmd-admin-config-set"))
    @app_commands.describe(
        default_model=words_for("opt-default-model"),
        default_resolution=words_for("opt-default-resolution"),
        default_duration=words_for("opt-default-duration"),
        max_duration=words_for("opt-max-duration"),
        face_check=words_for("opt-face-check"),
        provider=words_for("opt-provider"),
        session_idle_minutes=words_for("opt-idle-minutes"),
        moderator_role=words_for("opt-moderator-role"),
        audit_channel=words_for("opt-audit-channel"),
        session_threads=words_for("opt-session-threads"),
        reason=_REASON,
    )
    @app_commands.choices(
        default_model=MODEL_CHOICES,
        default_resolution=RESOLUTION_CHOICES,
        face_check=choices("choice-face", ("off", "warn", "block")),
        session_threads=choices("choice-threads", ("public", "private", "off")),
    )
    async def config_set(
        self,
        interaction: Interaction,
        default_model: str | None = None,
        default_resolution: str | None = None,
        default_duration: int | None = None,
        max_duration: int | None = None,
        face_check: str | None = None,
        provider: Literal["preview", "ark", "evolink", "fal", "replicate"] | None = None,
        session_idle_minutes: int | None = None,
        moderator_role: discord.Role | None = None,
        audit_channel: discord.TextChannel | None = None,
        session_threads: str | None = None,
        reason: Reason = "",
    ) -> None:
        values: dict[str, object | None] = {
            "default_model": default_model,
            "default_resolution": default_resolution,
            "default_duration_s": default_duration,
            "max_duration_s": max_duration,
            "face_check": face_check,
            "provider": provider,
            "session_idle_minutes": session_idle_minutes,
            "moderator_role_id": moderator_role.id if moderator_role else None,
            "audit_channel_id": audit_channel.id if audit_channel else None,
            "session_threads": session_threads,
        }
        changes = {k: v for k, v in values.items() if v is not None}
        if provider is not None and provider not in self.bot.services.providers:
            configured = ", ".join(self.bot.services.providers)
            raise CallsheetError(
                say("provider-not-set-up", provider=provider, available=configured)
            )
        await self._configure(interaction, changes, reason)

    @config_group.command(name="channel", description=words_for("cmd-admin-config-channel"))
    @app_commands.describe(
        action=words_for("opt-channel-action"), channel=words_for("opt-channel"), reason=_REASON
    )
    @app_commands.choices(action=choices("choice-channel", ("allow", "disallow", "everywhere")))
    async def config_channel(
        self, interaction: Interaction, action: str,
        channel: discord.TextChannel | None = None, reason: Reason = "",
    ) -> None:  # fmt: skip
        assert interaction.guild_id is not None
        current = (
            await self.moderation.guild_configs.get(interaction.guild_id)
        ).allowed_channel_ids
        if action == "everywhere":
            allowed: list[int] = []
        elif channel is None:
            raise CallsheetError(say("pick-channel"))
        elif action == "allow":
            allowed = sorted({*current, channel.id})
        else:
            allowed = [c for c in current if c != channel.id]
        await self._configure(interaction, {"allowed_channel_ids": allowed}, reason)

    # Usage and audit --------------------------------------------------------------------

    @app_commands.command(name="usage", description=words_for("cmd-admin-usage"))
    @app_commands.describe(days=words_for("opt-usage-days"))
    async def usage(
        self, interaction: Interaction, days: app_commands.Range[int, 1, 366] = 30
    ) -> None:
        assert interaction.guild_id is not None
        t = voice(interaction)
        ct = chart_voice(t)
        report = await self.moderation.usage(
            interaction.guild_id, days, ct("usage-chart-title", days=days), chart_names(ct)
        )
        totals = report.totals
        top = sorted(report.per_member.items(), key=lambda kv: -kv[1])[:10]
        people = "\n".join(t("usage-member", member=f"<@{u}>", credits=c) for u, c in top)
        await reply(
            interaction,
            t(
                "usage-summary",
                days=days,
                jobs=totals["jobs"],
                failed=totals["failures"],
                seconds=totals["seconds"],
                credits=totals["credits"],
                people=people or t("usage-nobody"),
            ),
            files=[
                discord.File(report.chart, filename="usage.png"),
                discord.File(report.csv, filename="usage.csv"),
            ],
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @app_commands.command(name="audit", description=words_for("cmd-admin-audit"))
    @app_commands.describe(limit=words_for("opt-audit-limit"))
    async def audit(
        self, interaction: Interaction, limit: app_commands.Range[int, 1, 25] = 15
    ) -> None:
        assert interaction.guild_id is not None
        rows = await self.moderation.audit.latest(interaction.guild_id, limit)
        t = voice(interaction)
        await reply(interaction, embed=audit_embed(rows, t))

    # Helpers ----------------------------------------------------------------------------

    async def _show_config(self, interaction: discord.Interaction[Any], part: str = "all") -> None:
        assert interaction.guild_id is not None
        config = await self.moderation.guild_configs.get(interaction.guild_id)
        await reply(interaction, embed=config_embed(config, voice(interaction), part))

    async def _configure(
        self, interaction: discord.Interaction[Any], changes: dict[str, object], reason: str
    ) -> None:
        assert interaction.guild_id is not None
        config = await self.moderation.configure(
            interaction.guild_id, interaction.user.id, changes, reason
        )
        t = voice(interaction)
        await reply(interaction, t("config-saved"), embed=config_embed(config, t))
