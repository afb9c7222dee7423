"""Read X12 837P professional claims as visits (split into modules in the next step)."""

from ptcpt.x12.reader import *  # noqa: F403
from ptcpt.x12.reader import __all__, __getattr__  # noqa: F401
