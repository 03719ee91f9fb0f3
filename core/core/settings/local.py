"""The default settings (``manage.py``, ``core.asgi``, the compose file): DEBUG off,
for one machine, not for production (that is ``core.settings.prod``).

Without ``SECRET_KEY`` in the environment a random key is made once and kept in
``core/.secret_key`` (ignored by git): such a run never signs sessions with a
published key, and restarts and the several processes of one box share it.
"""

from .base import *  # noqa: F401,F403
from .base import PROJECT_DIR, SECRET_KEY, local_secret_key

SECRET_KEY = SECRET_KEY or local_secret_key(PROJECT_DIR / ".secret_key")
