"""Call control at the position (issue 26): hold and resume, blind and attended transfers,
three-way conferences the operator can leave, and supervisors' listen-in, whisper and barge-in.

Each party brought onto a call is a **leg** (``CallLeg``, states in ``lifecycle``): it is asked
for by a command to the gateway (``calls.gateway``), and settled by the gateway's answer to that
command (``command_answered``: an acknowledgement connects it, a failure says why — busy, no
answer, rejected) or by the call's end (``call_changed``). Holding is the call's own state
(``calls.lifecycle``: ``held`` and ``resumed`` events). Handing the call over to a colleague
records ``transferred`` and ``answered`` events, so the ACD moves the operators as it does for
any transfer, and the card is handed to the colleague with its call-control record (XSD 1.4).

- ``lifecycle`` — leg kinds, targets and states, the transition table;
- ``directory`` — the transfer targets per region and service (``directory.yaml``);
- ``targets`` — whom a request names, resolved, and what the transfer dialog offers;
- ``legs`` — the legs' rows and ``settle``, the one function that moves them;
- ``service`` — what operators and supervisors do, and how gateways' answers settle legs;
- ``worker`` — the ring timer that gives up legs the gateway never answered.
"""
