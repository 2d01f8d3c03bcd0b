"""A session's output settings changed from its card: clip length, ratio, resolution,
model and sound, each within what the guild allows and the provider's model can make
(:mod:`bot.seedance.limits`, filled from :mod:`bot.providers.catalogue`).

Pure: :func:`offered_settings` lists what may be picked, :func:`apply_setting` checks a
pick and returns the session's new values (and what else had to change with it, for the
member).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import CallsheetError
from bot.guilds.config import GuildConfig
from bot.seedance.limits import Limits, ModelOutputs
from bot.seedance.session import Session
from bot.words import Phrase, say

__all__ = ["SETTINGS", "Choices", "apply_setting", "offered_settings"]

SETTINGS = ("duration", "ratio", "resolution", "model", "audio")
"""The settings a card changes (the names its selects use)."""


@dataclass(frozen=True)
class Choices:
    """What a session's settings may be now.

    Attributes:
        durations: whole seconds, from the provider's shortest clip to the shorter of its
            longest and the guild's maximum (seeds 000, 001: 4–15 s).
        ratios / resolutions: what the session's model makes at this provider.
        models: (key, label) of every model the provider offers.
    """

    durations: tuple[int, ...]
    ratios: tuple[str, ...]
    resolutions: tuple[str, ...]
    models: tuple[tuple[str, str], ...]


def _outputs(limits: Limits, model: str) -> ModelOutputs:
    offered = limits.outputs_for(model)
    if offered is None:
        return limits.models[0]
    return offered


def offered_settings(session: Session, limits: Limits, config: GuildConfig) -> Choices:
    """What ``session``'s settings may be, given the provider's ``limits`` and the guild's
    ``config``."""
    outputs = _outputs(limits, session.model)
    longest = min(limits.max_output_s, config.max_duration_s)
    return Choices(
        durations=tuple(range(limits.min_output_s, longest + 1)),
        ratios=outputs.ratios,
        resolutions=outputs.resolutions,
        models=tuple((m.model, m.name) for m in limits.models),
    )


def apply_setting(
    session: Session, name: str, value: str, limits: Limits, config: GuildConfig
) -> tuple[dict[str, object], tuple[Phrase, ...]]:
    """The session columns to set for the member's pick of ``value`` for setting ``name``
    (one of :data:`SETTINGS`), and notes on what else changed with it (a model that does
    not make the session's resolution or ratio moves them to one it makes).

    Raises:
        CallsheetError: the value is not one of :func:`offered_settings` (a stale menu, or a
            forged one).
    """
    offered = offered_settings(session, limits, config)
    refused = CallsheetError(say("setting-not-offered", value=value))
    if name == "duration":
        if not value.isdigit() or int(value) not in offered.durations:
            raise refused
        return {"duration_s": int(value)}, ()
    if name == "audio":
        if value not in ("on", "off"):
            raise refused
        return {"generate_audio": value == "on"}, ()
    if name == "ratio":
        if value not in offered.ratios:
            raise refused
        return {"ratio": value}, ()
    if name == "resolution":
        if value not in offered.resolutions:
            raise refused
        return {"resolution": value}, ()
    if name != "model" or value not in {key for key, _ in offered.models}:
        raise refused
    outputs = _outputs(limits, value)
    changes: dict[str, object] = {"model": value}
    notes: list[Phrase] = []
    if session.resolution not in outputs.resolutions:
        fallback: str = config.default_resolution
        if fallback not in outputs.resolutions:
            fallback = outputs.resolutions[0]
        changes["resolution"] = fallback
        notes.append(say("setting-moved", old=session.resolution, new=fallback, model=outputs.name))
    if session.ratio not in outputs.ratios:
        changes["ratio"] = outputs.ratios[0]
        notes.append(
            say("setting-moved", old=session.ratio, new=outputs.ratios[0], model=outputs.name)
        )
    return changes, tuple(notes)
