"""A member's session: the Sessions service (open, roles, prompt, close, expiry) and the
Uploads service (files in, one-click fixes, faces, derived assets)."""

from bot.seedance.session import Asset, Session, SessionState
from bot.sessions.service import Sessions
from bot.sessions.uploads import Uploads

__all__ = ["Asset", "Session", "SessionState", "Sessions", "Uploads"]
