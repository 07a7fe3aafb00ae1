"""Calls reaching 112: voice, video, SMS and e-mail, with the caller's location when known."""
