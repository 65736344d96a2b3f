"""Shequ (社区): community-level epidemic response."""

__version__ = "0.1.0"
