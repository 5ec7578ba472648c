"""Pure policy: no database, no clock, no files (see REGROUP / ADR on capability folders)."""
