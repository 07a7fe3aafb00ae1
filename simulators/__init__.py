"""Simulators that drive a running dispatch112 server through its public contracts only.

Callers (:mod:`simulators.arrivals`), a telephony gateway (:mod:`simulators.gateway`) that
dials callbacks (:mod:`simulators.callbacks`), operator bots (:mod:`simulators.operators`),
services' systems as webhook receivers or feed pullers (:mod:`simulators.services`) and the
day runner (:mod:`simulators.day`). Nothing here imports the ``dispatch`` package: the
simulators see the server as a gateway, operators and services would.
"""
