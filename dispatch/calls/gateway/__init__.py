"""Commands to the telephony, SMS and e-mail gateways over the ``/ws/gateway`` websocket.

Other capabilities queue a command with :func:`enqueue_command` inside their own transaction;
it reaches the connected gateways after the commit, and again after a reconnect until the
gateway acknowledges it.
"""

from dispatch.calls.gateway.service import CommandStatus, CommandType, enqueue_command

__all__ = ["CommandStatus", "CommandType", "enqueue_command"]
