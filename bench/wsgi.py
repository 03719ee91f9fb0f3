"""WSGI entry point for the bench only: the catalog served by gunicorn, beside
the same view under daphne. The app itself is deployed on ASGI (core.asgi)."""

import os
import sys
from pathlib import Path

# gunicorn imports this as bench.wsgi from the repository root; Django's apps
# live in core/.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings.bench")

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
