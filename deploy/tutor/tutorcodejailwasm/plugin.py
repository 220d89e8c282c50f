"""Tutor plugin for codejail-wasm.

Adds the codejail-wasm service (CPython 3.11 compiled to WebAssembly, speaking
codejail-service's REST API) to `tutor local` and `tutor k8s`, and points the
LMS and CMS at it (ENABLE_CODEJAIL_REST_SERVICE / CODE_JAIL_REST_SERVICE_HOST).

Unlike codejail with AppArmor, nothing needs to be loaded into the host kernel:
the sandbox is the WebAssembly runtime, so there is no AppArmor loader, no
privileged container and no init task.
"""
from __future__ import annotations

import os
from glob import glob
from importlib import resources

from tutor import hooks

from .__about__ import __version__

config = {
    "defaults": {
        "VERSION": __version__,
        # Built from the codejail-wasm repository's Dockerfile (deploy/ci-build-image.sh)
        # and pushed to your registry; `tutor images pull/push codejail-wasm` use this name.
        "DOCKER_IMAGE": "{{ DOCKER_REGISTRY }}codejail-wasm:{{ CODEJAIL_WASM_VERSION }}",
        "HOST": "codejail-wasm",
        "PORT": 8550,
        "REPLICAS": 1,
        # Sandbox workers per container: keep equal to LIMIT_CPU (whole CPUs).
        "WORKERS": 2,
        "REQUEST_CPU": "500m",
        "REQUEST_MEMORY": "768Mi",
        "LIMIT_CPU": "2",
        "LIMIT_MEMORY": "2Gi",
        "ENABLE_HPA": False,
        "MIN_REPLICAS": 1,
        "MAX_REPLICAS": 4,
        "AVG_CPU": 65,
        # edx-platform's client sends no credentials (like codejail-service, which has no
        # authentication): callers are restricted by the network policy instead.
        "ENABLE_NETWORK_POLICY": True,
        # Timeouts edx-platform applies to its requests to the service, seconds.
        "CONNECT_TIMEOUT": 0.5,
        "READ_TIMEOUT": 3.5,
        # Extra environment for the service (CODEJAIL_WASM_* settings), e.g.
        # {"CODEJAIL_WASM_LIMIT_OVERRIDES": '{"course-v1:X+Y+Z": {"CPU": 5}}'}.
        "EXTRA_ENV": {},
    },
    "overrides": {},
}

hooks.Filters.IMAGES_PULL.add_item(("codejail-wasm", "{{ CODEJAIL_WASM_DOCKER_IMAGE }}"))
hooks.Filters.IMAGES_PUSH.add_item(("codejail-wasm", "{{ CODEJAIL_WASM_DOCKER_IMAGE }}"))

# Templates: plugins/codejail-wasm/k8s/{hpa,networkpolicy}.yml in the Tutor env.
TEMPLATES = str(resources.files("tutorcodejailwasm") / "templates")
hooks.Filters.ENV_TEMPLATE_ROOTS.add_item(TEMPLATES)
hooks.Filters.ENV_TEMPLATE_TARGETS.add_items([("codejail-wasm/k8s", "plugins")])

# Patches: one file per patch name in patches/.
for path in sorted(glob(str(resources.files("tutorcodejailwasm") / "patches" / "*"))):
    with open(path, encoding="utf-8") as patch_file:
        hooks.Filters.ENV_PATCHES.add_item((os.path.basename(path), patch_file.read()))

hooks.Filters.CONFIG_DEFAULTS.add_items(
    [(f"CODEJAIL_WASM_{key}", value) for key, value in config["defaults"].items()]
)
hooks.Filters.CONFIG_OVERRIDES.add_items(list(config["overrides"].items()))
