"""Loopback fakes of provider APIs, for driving the real provider clients in tests."""

from .ark import FakeArk, StaticFileServer, make_sample_mp4

__all__ = ["FakeArk", "StaticFileServer", "make_sample_mp4"]
