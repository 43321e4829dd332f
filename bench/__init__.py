"""`make bench`: cold start, AWS calls, CPU per action and cost per user (docs/performance.md)."""
