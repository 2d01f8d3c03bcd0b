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
from bot.guilds.config import MODEL_LABELS, GuildConfig
from bot.moderation import Moderation
from cogs.checks import NOT_A_MODERATOR, is_moderator
from cogs.client import CallsheetBot
from cogs.errors import Component, acknowledge, reply
from storage.moderation import AuditEntry

log = logging.getLogger(__name__)

Interaction = discord.Interaction[CallsheetBot]
_UNSET = -1  # "-1 removes the cap/override" in option descriptions


class NotModerator(app_commands.CheckFailure):
    """The caller may not use /admin here."""


def _moderation(interaction: discord.Interaction[Any]) -> Moderation:
    bot: CallsheetBot = interaction.client
    return bot.services.moderation


def _config_embed(config: GuildConfig) -> discord.Embed:
    a, caps, p = config.allowance, config.caps, config.prices
    embed = discord.Embed(title="Callsheet configuration", colour=discord.Colour.blurple())
    channels = ", ".join(f"<#{c}>" for c in config.allowed_channel_ids) or "every channel"
    embed.add_field(
        name="Sessions",
        value=f"channels: {channels}\ndefault: {MODEL_LABELS[config.default_model]}, "
        f"{config.default_duration_s} s, {config.default_resolution}\n"
        f"max duration: {config.max_duration_s} s · idle timeout: "
        f"{config.session_idle_minutes} min\nface check: {config.face_check} · provider: "
        f"{config.provider}",
        inline=False,
    )
    roles = ", ".join(f"<@&{r}> {n}" for r, n in a.role_amounts.items()) or "none"
    members = ", ".join(f"<@{u}> {n}" for u, n in a.member_amounts.items()) or "none"
    embed.add_field(
        name="Allowance",
        value=f"starting grant: {a.starting_grant}\nrefill: {a.refill_amount} "
        f"{a.refill_period} up to {a.refill_cap}\nroles: {roles}\nmembers: {members}",
        inline=False,
    )

    def cap(value: int | None, unit: str = "") -> str:
        return "no limit" if value is None else f"{value}{unit}"

    embed.add_field(
        name="Caps",
        value=f"videos/day: {cap(caps.videos_per_day)} · seconds/day: "
        f"{cap(caps.seconds_per_day, ' s')}\nconcurrent jobs: {cap(caps.concurrent_jobs)} · "
        f"cooldown: {cap(caps.cooldown_s, ' s')}",
        inline=False,
    )
    rates = "\n".join(
        f"{MODEL_LABELS.get(m, m)}: " + ", ".join(f"{r} {v:g}/s" for r, v in by_res.items())
        for m, by_res in p.per_second.items()
    )
    embed.add_field(
        name="Prices (credits)",
        value=f"{rates}\nvideo references ×{p.video_reference_multiplier:g}",
        inline=False,
    )
    mod = f"<@&{config.moderator_role_id}>" if config.moderator_role_id else "Manage Server only"
    log_channel = f"<#{config.audit_channel_id}>" if config.audit_channel_id else "none"
    embed.add_field(name="Moderators", value=f"{mod} · audit channel: {log_channel}")
    return embed


class CancelJobButton(
    Component[discord.ui.Button[Any]], template=r"cs:admin:cancel:(?P<job_id>\d+)"
):
    """Cancel a job from the ``/admin jobs list`` message (checked again on every click)."""

    def __init__(self, job_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=f"Cancel #{job_id}",
                style=discord.ButtonStyle.danger,
                custom_id=f"cs:admin:cancel:{job_id}",
            )
        )
        self.job_id = job_id

    async def handle(self, interaction: discord.Interaction[Any]) -> None:
        assert interaction.guild_id is not None
        moderation = _moderation(interaction)
        config = await moderation.guild_configs.get(interaction.guild_id)
        if not is_moderator(interaction, config):
            raise NotModerator(NOT_A_MODERATOR)
        cog = interaction.client.get_cog("AdminCog")
        assert isinstance(cog, AdminCog)
        await cog.cancel_job(interaction, self.job_id, "cancelled from the jobs list")


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class AdminCog(commands.GroupCog, group_name="admin", group_description="Moderate Callsheet"):
    """The moderator's console."""

    credits_group = app_commands.Group(name="credits", description="Members' credits")
    allowance_group = app_commands.Group(name="allowance", description="Allowance and caps")
    prices_group = app_commands.Group(name="prices", description="Prices in credits")
    members_group = app_commands.Group(name="members", description="Generation bans")
    jobs_group = app_commands.Group(name="jobs", description="Running and queued jobs")
    config_group = app_commands.Group(name="config", description="Channels and defaults")

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
            await channel.send(entry.line(), allowed_mentions=discord.AllowedMentions.none())

    # Credits ----------------------------------------------------------------------------

    @credits_group.command(name="grant", description="Give a member credits")
    @app_commands.describe(amount="Credits to add", reason="Why (kept in the audit log)")
    async def grant(
        self, interaction: Interaction, member: discord.Member,
        amount: app_commands.Range[int, 1, 1_000_000], reason: str,
    ) -> None:  # fmt: skip
        assert interaction.guild_id is not None
        balance = await self.moderation.grant(
            interaction.guild_id, interaction.user.id, member.id, amount, reason,
            key=str(interaction.id),
        )  # fmt: skip
        await reply(
            interaction, f"Granted {amount} credits to {member.mention}; they now have {balance}."
        )

    @credits_group.command(name="revoke", description="Take credits from a member")
    @app_commands.describe(amount="Credits to remove", reason="Why (kept in the audit log)")
    async def revoke(
        self, interaction: Interaction, member: discord.Member,
        amount: app_commands.Range[int, 1, 1_000_000], reason: str,
    ) -> None:  # fmt: skip
        assert interaction.guild_id is not None
        balance = await self.moderation.revoke(
            interaction.guild_id, interaction.user.id, member.id, amount, reason,
            key=str(interaction.id),
        )  # fmt: skip
        await reply(
            interaction, f"Revoked {amount} credits from {member.mention}; they now have {balance}."
        )

    @credits_group.command(name="set", description="Set a member's balance")
    @app_commands.describe(balance="The new available balance", reason="Why")
    async def set_balance(
        self, interaction: Interaction, member: discord.Member,
        balance: app_commands.Range[int, 0, 1_000_000], reason: str,
    ) -> None:  # fmt: skip
        assert interaction.guild_id is not None
        now = await self.moderation.set_balance(
            interaction.guild_id, interaction.user.id, member.id, balance, reason,
            key=str(interaction.id),
        )  # fmt: skip
        await reply(interaction, f"{member.mention} now has {now} credits.")

    @credits_group.command(name="ledger", description="A member's latest ledger entries")
    async def ledger(self, interaction: Interaction, member: discord.Member) -> None:
        assert interaction.guild_id is not None
        entries = await self.moderation.ledger.entries(interaction.guild_id, member.id, 15)
        available = await self.moderation.ledger.available(interaction.guild_id, member.id)
        lines = [
            f"`{e.created_at:%Y-%m-%d %H:%M}` **{e.kind}** {e.delta:+d}"
            f"{' · job #' + str(e.job_id) if e.job_id else ''} {e.note}"
            for e in entries
        ]
        embed = discord.Embed(
            title=f"Ledger of {member.display_name}",
            description="\n".join(lines) or "No entries yet.",
            colour=discord.Colour.blurple(),
        )
        embed.set_footer(text=f"available: {available}")
        await reply(interaction, embed=embed)

    # Allowance and prices ---------------------------------------------------------------

    @allowance_group.command(name="show", description="Show the allowance policy and caps")
    async def allowance_show(self, interaction: Interaction) -> None:
        await self._show_config(interaction)

    @allowance_group.command(name="set", description="Change the allowance policy and caps")
    @app_commands.describe(
        starting_grant="Credits a member gets the first time",
        refill_period="How often credits refill",
        refill_amount="Credits added each period",
        refill_cap="A refill never takes the balance above this",
        videos_per_day="Videos per member per day (-1: no limit)",
        seconds_per_day="Output seconds per member per day (-1: no limit)",
        concurrent_jobs="Jobs at once per member (-1: no limit)",
        cooldown_s="Seconds between generations (-1: none)",
        reason="Why (kept in the audit log)",
    )
    async def allowance_set(
        self,
        interaction: Interaction,
        starting_grant: app_commands.Range[int, 0] | None = None,
        refill_period: Literal["none", "daily", "weekly", "monthly"] | None = None,
        refill_amount: app_commands.Range[int, 0] | None = None,
        refill_cap: app_commands.Range[int, 0] | None = None,
        videos_per_day: app_commands.Range[int, -1] | None = None,
        seconds_per_day: app_commands.Range[int, -1] | None = None,
        concurrent_jobs: app_commands.Range[int, -1] | None = None,
        cooldown_s: app_commands.Range[int, -1] | None = None,
        reason: str = "",
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

    @allowance_group.command(name="role", description="Refill amount for members with a role")
    @app_commands.describe(amount="Credits per refill for this role (-1 removes it)")
    async def allowance_role(
        self, interaction: Interaction, role: discord.Role,
        amount: app_commands.Range[int, -1], reason: str = "",
    ) -> None:  # fmt: skip
        assert interaction.guild_id is not None
        current = (await self.moderation.guild_configs.get(interaction.guild_id)).allowance
        amounts = {k: v for k, v in current.role_amounts.items() if k != role.id}
        if amount != _UNSET:
            amounts[role.id] = amount
        await self._configure(interaction, {"allowance.role_amounts": amounts}, reason)

    @allowance_group.command(name="member", description="Refill amount for one member")
    @app_commands.describe(amount="Credits per refill for this member (-1 removes it)")
    async def allowance_member(
        self, interaction: Interaction, member: discord.Member,
        amount: app_commands.Range[int, -1], reason: str = "",
    ) -> None:  # fmt: skip
        assert interaction.guild_id is not None
        current = (await self.moderation.guild_configs.get(interaction.guild_id)).allowance
        amounts = {k: v for k, v in current.member_amounts.items() if k != member.id}
        if amount != _UNSET:
            amounts[member.id] = amount
        await self._configure(interaction, {"allowance.member_amounts": amounts}, reason)

    @prices_group.command(name="show", description="Show prices")
    async def prices_show(self, interaction: Interaction) -> None:
        await self._show_config(interaction)

    @prices_group.command(name="set", description="Credits per second for a model and resolution")
    async def prices_set(
        self, interaction: Interaction, model: Literal["standard", "fast"],
        resolution: Literal["480p", "720p"],
        credits_per_second: app_commands.Range[float, 0.0, 1000.0], reason: str = "",
    ) -> None:  # fmt: skip
        await self._configure(
            interaction,
            {f"prices.per_second.{model}.{resolution}": credits_per_second},
            reason,
        )

    @prices_group.command(name="video-multiplier", description="Price factor for video references")
    async def prices_video(
        self, interaction: Interaction, factor: app_commands.Range[float, 1.0, 10.0],
        reason: str = "",
    ) -> None:  # fmt: skip
        await self._configure(interaction, {"prices.video_reference_multiplier": factor}, reason)

    # Members ----------------------------------------------------------------------------

    @members_group.command(name="ban", description="Stop a member from generating")
    @app_commands.describe(reason="Shown to the member", days="For how long (empty: until unban)")
    async def ban(
        self, interaction: Interaction, member: discord.Member, reason: str,
        days: app_commands.Range[float, 0.01, 3650.0] | None = None,
    ) -> None:  # fmt: skip
        assert interaction.guild_id is not None
        expires = await self.moderation.ban(
            interaction.guild_id, interaction.user.id, member.id, reason, days
        )
        until = f" until {discord.utils.format_dt(expires)}" if expires else ""
        await reply(interaction, f"{member.mention} can't generate{until}.")

    @members_group.command(name="unban", description="Let a member generate again")
    async def unban(
        self, interaction: Interaction, member: discord.Member, reason: str = ""
    ) -> None:
        assert interaction.guild_id is not None
        lifted = await self.moderation.unban(
            interaction.guild_id, interaction.user.id, member.id, reason
        )
        await reply(interaction, f"{member.mention} may generate again ({lifted} ban(s) lifted).")

    # Jobs -------------------------------------------------------------------------------

    @jobs_group.command(name="list", description="Running and queued jobs")
    async def jobs_list(self, interaction: Interaction) -> None:
        assert interaction.guild_id is not None
        jobs = await self.moderation.jobs(interaction.guild_id)
        lines = [
            f"**#{j.id}** <@{j.user_id}> · {j.state} · {j.request.duration_s} s "
            f"{j.request.resolution} · {j.price} credits held" for j in jobs
        ]  # fmt: skip
        view = discord.ui.View(timeout=None)
        for job in jobs[:25]:
            view.add_item(CancelJobButton(job.id))
        await reply(
            interaction, "\n".join(lines) or "No jobs are running or queued.", view=view,
            allowed_mentions=discord.AllowedMentions.none(),
        )  # fmt: skip

    @jobs_group.command(name="cancel", description="Cancel a job and refund its credits")
    async def jobs_cancel(
        self, interaction: Interaction, job_id: int, reason: str = "cancelled by a moderator"
    ) -> None:
        await self.cancel_job(interaction, job_id, reason)

    async def cancel_job(
        self, interaction: discord.Interaction[Any], job_id: int, reason: str
    ) -> None:
        """Cancel, tell the moderator and the member's channel."""
        assert interaction.guild_id is not None
        job = await self.moderation.cancel_job(
            interaction.guild_id, interaction.user.id, job_id, reason
        )
        await reply(interaction, f"Job #{job_id} cancelled; {job.price} credits released.")
        channel = self.bot.get_partial_messageable(job.channel_id)
        await channel.send(
            f"<@{job.user_id}> job #{job_id} was cancelled by a moderator ({reason}). "
            f"Your {job.price} credits were released and your session is still open."
        )

    # Config -----------------------------------------------------------------------------

    @config_group.command(name="show", description="Show the configuration")
    async def config_show(self, interaction: Interaction) -> None:
        await self._show_config(interaction)

    @config_group.command(name="set", description="Change defaults and moderation settings")
    @app_commands.describe(
        default_duration="Default clip length in seconds (4–15)",
        max_duration="Longest clip members may ask for (4–15 s)",
        face_check="Realistic faces in uploads: off, warn, or block",
        session_idle_minutes="Idle sessions expire after this many minutes",
        moderator_role="Members with this role may use /admin",
        audit_channel="Where moderator actions are posted",
    )
    async def config_set(
        self,
        interaction: Interaction,
        default_model: Literal["standard", "fast"] | None = None,
        default_resolution: Literal["480p", "720p"] | None = None,
        default_duration: int | None = None,
        max_duration: int | None = None,
        face_check: Literal["off", "warn", "block"] | None = None,
        provider: Literal["preview", "ark", "evolink", "fal"] | None = None,
        session_idle_minutes: int | None = None,
        moderator_role: discord.Role | None = None,
        audit_channel: discord.TextChannel | None = None,
        reason: str = "",
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
        }
        changes = {k: v for k, v in values.items() if v is not None}
        if provider is not None and provider not in self.bot.services.providers:
            configured = ", ".join(self.bot.services.providers)
            raise CallsheetError(
                f"The operator has not configured {provider} (no API key); available: {configured}."
            )
        await self._configure(interaction, changes, reason)

    @config_group.command(name="channel", description="Allow sessions in a channel, or stop")
    async def config_channel(
        self, interaction: Interaction, action: Literal["allow", "disallow", "everywhere"],
        channel: discord.TextChannel | None = None, reason: str = "",
    ) -> None:  # fmt: skip
        assert interaction.guild_id is not None
        current = (
            await self.moderation.guild_configs.get(interaction.guild_id)
        ).allowed_channel_ids
        if action == "everywhere":
            allowed: list[int] = []
        elif channel is None:
            raise CallsheetError("Pick the channel to allow or disallow.")
        elif action == "allow":
            allowed = sorted({*current, channel.id})
        else:
            allowed = [c for c in current if c != channel.id]
        await self._configure(interaction, {"allowed_channel_ids": allowed}, reason)

    # Usage and audit --------------------------------------------------------------------

    @app_commands.command(name="usage", description="Usage per member and day: chart and CSV")
    async def usage(
        self, interaction: Interaction, days: app_commands.Range[int, 1, 366] = 30
    ) -> None:
        assert interaction.guild_id is not None
        report = await self.moderation.usage(interaction.guild_id, days)
        t = report.totals
        top = sorted(report.per_member.items(), key=lambda kv: -kv[1])[:10]
        people = "\n".join(f"<@{u}>: {c} credits" for u, c in top) or "nobody yet"
        await reply(
            interaction,
            f"**Last {days} days:** {t['jobs']} jobs, {t['failures']} failed, "
            f"{t['seconds']} s delivered, {t['credits']} credits spent.\n{people}",
            files=[
                discord.File(report.chart, filename="usage.png"),
                discord.File(report.csv, filename="usage.csv"),
            ],
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @app_commands.command(name="audit", description="The latest moderator actions")
    async def audit(
        self, interaction: Interaction, limit: app_commands.Range[int, 1, 25] = 15
    ) -> None:
        assert interaction.guild_id is not None
        rows = await self.moderation.audit.latest(interaction.guild_id, limit)
        lines = [
            f"`{r.created_at:%Y-%m-%d %H:%M}` <@{r.actor_id}> **{r.action}**"
            f"{' → <@' + str(r.target_id) + '>' if r.target_id else ''}: {r.details}"
            f"{' (' + r.reason + ')' if r.reason else ''}"
            for r in rows
        ]
        embed = discord.Embed(
            title="Audit log", description="\n".join(lines) or "Nothing yet.",
            colour=discord.Colour.dark_grey(),
        )  # fmt: skip
        await reply(interaction, embed=embed)

    # Helpers ----------------------------------------------------------------------------

    async def _show_config(self, interaction: discord.Interaction[Any]) -> None:
        assert interaction.guild_id is not None
        config = await self.moderation.guild_configs.get(interaction.guild_id)
        await reply(interaction, embed=_config_embed(config))

    async def _configure(
        self, interaction: discord.Interaction[Any], changes: dict[str, object], reason: str
    ) -> None:
        assert interaction.guild_id is not None
        config = await self.moderation.configure(
            interaction.guild_id, interaction.user.id, changes, reason
        )
        await reply(interaction, "Saved. It applies now.", embed=_config_embed(config))
