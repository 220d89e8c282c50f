"""
Codejail exceptions.

``SafeExecException`` is the same class as ``codejail.safe_exec.SafeExecException``.
"""

from codejail_wasm.exceptions import CodeJailException, JailError, SafeExecException

__all__ = ["CodeJailException", "JailError", "SafeExecException"]
