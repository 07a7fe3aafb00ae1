"""What the benchmarks share: starting servers and databases (``servers``), HTTP clients
(``http``), the bare-framework ceilings (``ceiling``), percentiles (``stats``) and the
machine, commit and table of a report (``report``)."""
