"""Medicare fee-schedule arithmetic (moving into a package; see ptcpt.fees.pricing)."""

from ptcpt.fees.pricing import *  # noqa: F403
from ptcpt.fees.pricing import __all__ as __all__
