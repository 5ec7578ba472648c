"""The web interface (issue 14, DESIGN.md 5.6): pages for coaches, finance
and beheer on top of the same use cases the command line calls."""
