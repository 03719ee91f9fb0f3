"""Local development: DEBUG on, static files served from the source folders."""

from .base import *  # noqa: F401,F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
