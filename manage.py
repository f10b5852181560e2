#!/usr/bin/env python
"""Django's command-line utility; the installed ``medmissions`` command does the same."""

from medmissions.cli import main

if __name__ == "__main__":
    main()
