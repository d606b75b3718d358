"""``python -m hotline_desk``: the same as the ``hotline-desk`` command (used by the Windows shortcut)."""

from hotline_desk.cli import main

raise SystemExit(main())
