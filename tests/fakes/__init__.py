"""Loopback fakes of provider APIs, for driving the real provider clients in tests."""

from ._base import StaticFileServer, make_sample_mp4
from .ark import FakeArk

__all__ = ["FakeArk", "StaticFileServer", "make_sample_mp4"]
