"""Run revise as `python -m revise`."""

from revise.cli import main

raise SystemExit(main())
