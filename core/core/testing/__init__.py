"""What the tests and the bench share, kept out of any test package: processes
on loopback (daphne, redis-server), and the pytest plugin with the Django
fixtures (loaded by the root conftest only when pytest-django runs)."""
