"""The frozen app's entry point (PyInstaller): the same as the `kyodo-desk` command."""

from kyodo_desk.cli import main

raise SystemExit(main())
