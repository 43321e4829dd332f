"""The rules: pure Python, no AWS import. Records live in records.py; each Protocol the adapters
implement sits beside the use case that calls it."""
