"""The site's URLs plus two slow pages, for the shutdown test's daphne."""

import asyncio
import os
import time

from django.http import HttpResponse
from django.urls import path

from core.urls import urlpatterns as site_urlpatterns

SLOW_SECONDS = float(os.environ.get("SLOW_SECONDS", "2"))


def slow_sync(request):
    time.sleep(SLOW_SECONDS)
    return HttpResponse("slow sync done")


async def slow_async(request):
    await asyncio.sleep(SLOW_SECONDS)
    return HttpResponse("slow async done")


urlpatterns = [
    path("slow/sync/", slow_sync),
    path("slow/async/", slow_async),
    *site_urlpatterns,
]
