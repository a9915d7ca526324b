"""The care workflow: business hours, SLA clocks, promises, ownership and the figures.

The pure parts (``hours``, ``sla``, ``promises``, ``boundaries``) need no database; the workflow
services built on them take a ``Session`` and a ``Clock``.
"""
