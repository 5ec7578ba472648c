"""Reports: statements, overviews, caseload and print output."""
