import factory
from django.contrib.auth import get_user_model

from accounts.groups import CATALOG_EDITORS, FEED_WATCHERS, role_group

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password(PASSWORD)
    is_active = True
    is_staff = False

    @factory.post_generation
    def user_permissions(user, create, extracted, **kwargs):
        """``UserFactory(user_permissions=permissions([...]))``: held directly."""
        if create and extracted:
            user.user_permissions.add(*extracted)


class StaffWithoutPermissionsFactory(UserFactory):
    """Let into the admin, and nowhere further: no model permission."""

    username = factory.Sequence(lambda n: f"staff{n}")
    is_staff = True


def roles(default):
    """The groups a user gets: ``default`` unless given, e.g.
    ``StaffFactory(roles=[FEED_WATCHERS])``."""

    def add(user, create, extracted, **kwargs):
        if create:
            names = default if extracted is None else extracted
            user.groups.add(*(role_group(name) for name in names))

    return factory.PostGeneration(add)


class StaffFactory(StaffWithoutPermissionsFactory):
    """A catalog editor: creates, edits, deletes products and watches the feed."""

    roles = roles([CATALOG_EDITORS])


class WatcherFactory(StaffWithoutPermissionsFactory):
    """Watches the feed, may change nothing."""

    username = factory.Sequence(lambda n: f"watcher{n}")
    roles = roles([FEED_WATCHERS])


class SuperuserFactory(StaffWithoutPermissionsFactory):
    """Every permission without any group."""

    username = factory.Sequence(lambda n: f"admin{n}")
    is_superuser = True
