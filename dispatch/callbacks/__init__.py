"""Callbacks: a dropped or abandoned call is called back, up to three times, never forgotten."""
