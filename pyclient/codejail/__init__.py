"""codejail, served by codejail-wasm.

This package replaces Open edX's ``codejail`` with the same public API
(``codejail.jail_code``, ``codejail.safe_exec``, ``codejail.django_integration``)
but runs the code in the codejail-wasm service instead of a local sandbox.
"""

__version__ = '3.5.2+wasm.0.1.0'
