#!/usr/bin/env python
"""Django's command-line utility. Without DJANGO_SETTINGS_MODULE it uses
core.settings.local (DEBUG off); make run selects core.settings.dev."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings.local")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
