"""The local stack: emulated AWS (moto) and helpers for `make run` and the race/load tests.

Never deployed: chalice packages only app.py and chalicelib/.
"""
