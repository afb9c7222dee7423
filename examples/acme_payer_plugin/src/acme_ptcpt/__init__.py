"""Acme Health's ptcpt plugin (an example of a third-party rule package)."""

__version__ = "0.1.0"
