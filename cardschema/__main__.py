"""Entry point of ``python -m cardschema``."""

from cardschema.cli import main

raise SystemExit(main())
