"""The rules: pure Python, no AWS import. Adapters are passed in through the ports."""
