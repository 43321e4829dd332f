"""Mail adapter (SES)."""
