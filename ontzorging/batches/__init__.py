"""Payment batches: gather, review, approve (four eyes), reject, write files."""
