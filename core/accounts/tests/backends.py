from axes.backends import AxesStandaloneBackend


class RequestlessLoginBackend(AxesStandaloneBackend):
    """Axes' check, except for ``authenticate()`` called without a request.

    The test client's ``login()`` authenticates that way, and axes refuses it
    (no address to count). Test settings only: in the site every login has a
    request, and refusing the others keeps any code path from skipping the count.
    """

    def authenticate(self, request, *args, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)
