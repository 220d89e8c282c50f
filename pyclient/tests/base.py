"""Shared test scaffolding."""

import os
import unittest
from unittest import mock

import codejail_wasm
from codejail import jail_code as cj
from codejail_wasm import shadow

ENV_PREFIXES = ("CODEJAIL_WASM_", "CODE_JAIL_REST_SERVICE_", "CODEJAIL_DARKLAUNCH_")


class ClientTestCase(unittest.TestCase):
    """Clean settings, env and codejail registries around every test."""

    def setUp(self):
        super().setUp()
        clean_env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIXES)}
        clean_env.pop("DJANGO_SETTINGS_MODULE", None)
        patcher = mock.patch.dict(os.environ, clean_env, clear=True)
        patcher.start()
        self.addCleanup(patcher.stop)
        codejail_wasm.reset_configuration()
        self.addCleanup(codejail_wasm.reset_configuration)
        shadow.reset()
        self.addCleanup(shadow.reset)
        saved = (dict(cj.COMMANDS), dict(cj.LIMITS), {k: dict(v) for k, v in cj.LIMIT_OVERRIDES.items()})

        def restore():
            cj.COMMANDS.clear()
            cj.COMMANDS.update(saved[0])
            cj.LIMITS.clear()
            cj.LIMITS.update(saved[1])
            cj.LIMIT_OVERRIDES.clear()
            cj.LIMIT_OVERRIDES.update(saved[2])

        self.addCleanup(restore)
        cj.COMMANDS.clear()
        cj.LIMITS.clear()
        cj.LIMITS.update(cj.DEFAULT_LIMITS)
        cj.LIMIT_OVERRIDES.clear()
