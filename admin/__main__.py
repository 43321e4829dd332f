"""`python -m admin`, the same as the `ecuapass-admin` console script."""

from admin.cli import main

raise SystemExit(main())
