"""Edits: positions, code fences, and the region writer that streams an answer into a document."""
