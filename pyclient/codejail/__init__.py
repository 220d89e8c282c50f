"""codejail 4.1.1's API, served by codejail-wasm.

The same modules and names as Open edX's ``codejail`` (jail_code, safe_exec, subproc,
proxy, proxy_main, util, django_integration, django_integration_utils), with the code
running in the codejail-wasm service instead of a local sandbox.
"""

__version__ = '4.1.1+wasm.0.1.0'
