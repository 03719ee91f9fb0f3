"""Local development (``make run``): the local settings with DEBUG on."""

from .base import env
from .local import *  # noqa: F401,F403

DEBUG = env.bool("DEBUG", default=True)
