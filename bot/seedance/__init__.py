"""The Seedance 2.0 rules, pure: limits, the facts they are checked against, roles and
dialects, the session draft, the compiler, the lint and the templates (no I/O)."""

from bot.seedance.checks import Violation, check_file, check_in_session, check_upload
from bot.seedance.compiler import (
    EntryMode,
    GenerationRequest,
    RequestAsset,
    choose_entry_mode,
    compile_request,
)
from bot.seedance.facts import MediaInfo
from bot.seedance.limits import DEFAULT_LIMITS, AssetKind, Limits, ModalityLimits, output_size
from bot.seedance.lint import Lint, lint
from bot.seedance.roles import (
    Dialect,
    ImageLooks,
    Role,
    get_role,
    roles_for,
    suggest_image_role,
    suggest_role,
)
from bot.seedance.session import Asset, PendingUpload, Session, SessionState
from bot.seedance.templates import TEMPLATES, Template, get_template

__all__ = [
    "DEFAULT_LIMITS",
    "TEMPLATES",
    "Asset",
    "AssetKind",
    "Dialect",
    "EntryMode",
    "GenerationRequest",
    "ImageLooks",
    "Limits",
    "Lint",
    "MediaInfo",
    "ModalityLimits",
    "PendingUpload",
    "RequestAsset",
    "Role",
    "Session",
    "SessionState",
    "Template",
    "Violation",
    "check_file",
    "check_in_session",
    "check_upload",
    "choose_entry_mode",
    "compile_request",
    "get_role",
    "get_template",
    "lint",
    "output_size",
    "roles_for",
    "suggest_image_role",
    "suggest_role",
]
