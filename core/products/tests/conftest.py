"""Fixtures the products' tests share: the changes announced, a browser context
per page (``open_socket`` is in ``core.testing.fixtures``; modules import the
autouse socket clean-up from ``sockets``)."""

import pytest
import pytest_asyncio


@pytest.fixture
def announced():
    """The change sets announced (``recording.ChangeSet``) during the test."""
    # Imported here: the pure tests of this folder run without Django.
    from products.history.recording import changes_committed

    sets = []

    def listener(sender, change_set, **kwargs):
        sets.append(change_set)

    changes_committed.connect(listener)
    yield sets
    changes_committed.disconnect(listener)


@pytest_asyncio.fixture(loop_scope="module")
async def browser(module_chromium, module_daphne):
    """``await browser()`` -> a page of a fresh context."""
    contexts = []

    async def open_page():
        context = await module_chromium.new_context(base_url=module_daphne.url)
        contexts.append(context)
        return await context.new_page()

    yield open_page
    for context in contexts:
        await context.close()
