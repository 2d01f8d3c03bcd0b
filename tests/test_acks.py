"""Every component acknowledges before it works (docs/ARCHITECTURE.md, "Instant under a
burst"): the base class does it, and only buttons that answer with a modal opt out."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator

import cogs
from cogs.admin.cog import CancelJobButton
from cogs.errors import Component
from cogs.session.asset_components import ASSET_COMPONENTS
from cogs.session.card_components import CARD_COMPONENTS
from cogs.session.history import HISTORY_COMPONENTS
from cogs.session.result_components import RESULT_COMPONENTS
from cogs.session.spend_components import SPEND_COMPONENTS
from cogs.session.steer_components import STEER_COMPONENTS
from cogs.storyboard.components import STORYBOARD_COMPONENTS

ALL = (
    *CARD_COMPONENTS,
    *ASSET_COMPONENTS,
    *RESULT_COMPONENTS,
    *SPEND_COMPONENTS,
    *STEER_COMPONENTS,
    *HISTORY_COMPONENTS,
    *STORYBOARD_COMPONENTS,
    CancelJobButton,
)


def _source(item: object) -> str:
    """``item``'s source, even after a test's bot unloaded its cog module."""
    importlib.import_module(item.__module__)  # type: ignore[attr-defined]
    return inspect.getsource(item)  # type: ignore[arg-type]


def _subclasses(base: type) -> Iterator[type]:
    item: type
    for item in base.__subclasses__():
        yield item
        yield from _subclasses(item)


def test_the_checks_below_see_every_component_in_cogs() -> None:
    """A component written later (Manage assets, Settings…) is held to the same rules. By
    name: a test's bot that reloaded a cog module made new classes of the same names."""
    for module in pkgutil.walk_packages(cogs.__path__, "cogs."):
        importlib.import_module(module.name)
    written = {f"{c.__module__}.{c.__qualname__}" for c in _subclasses(Component)}
    checked = {f"{c.__module__}.{c.__qualname__}" for c in ALL}
    assert {name for name in written if name.startswith("cogs.")} - checked == set()


def test_every_registered_component_is_a_component_with_a_known_ack() -> None:
    assert len(ALL) >= 15
    for item in ALL:
        assert issubclass(item, Component), item
        assert item.ack in ("update", "thinking", "private", "none"), item


def test_only_modal_openers_answer_by_themselves() -> None:
    opting_out = [item for item in ALL if item.ack == "none"]
    assert {item.__name__ for item in opting_out} == {
        "PromptButton",
        "PromptAgainButton",
        "ExtendButton",
        "EditButton",
        "AddShotButton",
        "ShotAgainButton",
        "EditShotButton",
    }
    for item in opting_out:
        source = _source(item.handle)
        assert "send_modal" in source, item  # a modal cannot follow a deferral
        assert source.count("await ") <= 2, item  # at most one read before the modal


def test_no_component_acknowledges_twice() -> None:
    """The base acknowledges; a handler that deferred again would raise
    InteractionResponded after the member's click."""
    for item in ALL:
        source = _source(item)
        assert "response.defer(" not in source, item
        assert "response.edit_message(" not in source, item
        assert "response.send_message(" not in source, item


def test_checks_before_the_acknowledgement_are_one_read() -> None:
    """What runs before the acknowledgement (:meth:`Component.check`: who may use it) is at
    most one awaited call, and the components that show a modal or a public "thinking…"
    to whoever clicks check their owner there."""
    checking = {item.__name__ for item in ALL if "check" in vars(item)}
    assert {"ExtendButton", "EditButton", "StitchButton", "SoundButton", "FrameSelect"} <= checking
    for item in ALL:
        if "check" in vars(item):
            assert _source(item.check).count("await ") <= 1, item
