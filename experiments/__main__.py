"""`python -m experiments`: list scenarios and experiments, run ensembles, benchmark."""

from experiments.cli import main

raise SystemExit(main())
