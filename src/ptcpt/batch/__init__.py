"""Checking visits in bulk (split into modules in the next step)."""

from ptcpt.batch.pool import *  # noqa: F403
from ptcpt.batch.pool import CHUNK, DIED, __all__, timed_out  # noqa: F401
