"""The frozen program's entry point: the ``hotline-desk`` command (a window when no subcommand is given)."""

from hotline_desk.cli import main

raise SystemExit(main())
