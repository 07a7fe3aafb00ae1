"""Simulators that drive a running dispatch112 server through its public contracts only.

Callers (:mod:`simulators.arrivals`), a telephony gateway (:mod:`simulators.gateway`), operator
bots (:mod:`simulators.operators`), service endpoints (:mod:`simulators.services`) and the
day runner (:mod:`simulators.day`). Nothing here imports the ``dispatch`` package: the
simulators see the server as a gateway, operators and services would.
"""
