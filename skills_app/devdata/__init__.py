"""Data for developers, demonstrations and benchmarks: the demo organisation
(``demo``, with its review service level history in ``demo_service_levels``)
and synthetic organisations of any size (``synthetic``).

They write through the services, as the system: the domain's own operations,
``services.history`` to date the demo's story back, ``services.bulk`` for the
generator's many rows. None of them touches the session.
"""
