"""Tests of the Tutor plugin in deploy/tutor, without Tutor installed.

A minimal fake ``tutor.hooks`` records what the plugin registers; the patches and
templates are then rendered with Jinja2 (Tutor's template engine) and parsed as
YAML / Python, the way Tutor would splice them into its docker-compose.yml,
k8s manifests and LMS/CMS settings.

Run: python3 -m unittest discover -s test/deploy -p 'test_*.py'
"""
from __future__ import annotations

import importlib
import os
import sys
import textwrap
import types
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PLUGIN_DIR = os.path.join(ROOT, "deploy", "tutor")

try:
    import jinja2
except ImportError:  # pragma: no cover - depends on the machine
    jinja2 = None
try:
    import yaml
except ImportError:  # pragma: no cover
    yaml = None


class _Filter:
    def __init__(self, name):
        self.name = name
        self.items = []

    def add_item(self, item, priority=None):
        self.items.append(item)

    def add_items(self, items, priority=None):
        self.items.extend(items)


class _Filters:
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        f = _Filter(name)
        setattr(self, name, f)
        return f


def load_plugin():
    """Import tutorcodejailwasm.plugin against a fake tutor.hooks; return (module, filters)."""
    filters = _Filters()
    hooks = types.ModuleType("tutor.hooks")
    hooks.Filters = filters
    hooks.priorities = types.SimpleNamespace(HIGH=5, DEFAULT=10, LOW=50)
    tutor = types.ModuleType("tutor")
    tutor.hooks = hooks
    saved = {k: sys.modules.get(k) for k in ("tutor", "tutor.hooks")}
    sys.modules["tutor"] = tutor
    sys.modules["tutor.hooks"] = hooks
    sys.path.insert(0, PLUGIN_DIR)
    try:
        for name in [m for m in sys.modules if m == "tutorcodejailwasm" or m.startswith("tutorcodejailwasm.")]:
            del sys.modules[name]
        module = importlib.import_module("tutorcodejailwasm.plugin")
    finally:
        sys.path.remove(PLUGIN_DIR)
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
    return module, filters


PLUGIN, FILTERS = load_plugin()
PATCHES = dict(FILTERS.ENV_PATCHES.items)
DEFAULTS = dict(FILTERS.CONFIG_DEFAULTS.items)


def tutor_config(**over):
    """The plugin's defaults plus the few core Tutor settings they refer to, rendered like Tutor does."""
    cfg = {"DOCKER_REGISTRY": "docker.io/", "ID": "test"}
    cfg.update(DEFAULTS)
    cfg.update(over)
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    for _ in range(3):  # defaults may refer to other settings
        for k, v in list(cfg.items()):
            if isinstance(v, str) and "{{" in v:
                cfg[k] = env.from_string(v).render(**cfg)
    return cfg


def render(text, **over):
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    return env.from_string(text).render(**tutor_config(**over))


def template(*parts):
    with open(os.path.join(PLUGIN_DIR, "tutorcodejailwasm", "templates", *parts), encoding="utf-8") as f:
        return f.read()


class RegistrationTest(unittest.TestCase):
    def test_patch_names(self):
        self.assertEqual(
            sorted(PATCHES),
            [
                "k8s-deployments",
                "k8s-services",
                "kustomization-resources",
                "local-docker-compose-services",
                "openedx-cms-common-settings",
                "openedx-lms-common-settings",
            ],
        )

    def test_config_defaults(self):
        for key in ("DOCKER_IMAGE", "HOST", "PORT", "REPLICAS", "WORKERS", "REQUEST_CPU",
                    "REQUEST_MEMORY", "LIMIT_CPU", "LIMIT_MEMORY", "VERSION"):
            self.assertIn(f"CODEJAIL_WASM_{key}", DEFAULTS)
        self.assertEqual(DEFAULTS["CODEJAIL_WASM_HOST"], "codejail-wasm")
        self.assertEqual(DEFAULTS["CODEJAIL_WASM_PORT"], 8550)
        self.assertTrue(all(k.startswith("CODEJAIL_WASM_") for k in DEFAULTS), "settings are namespaced")

    def test_images_and_templates(self):
        self.assertIn(("codejail-wasm", "{{ CODEJAIL_WASM_DOCKER_IMAGE }}"), FILTERS.IMAGES_PULL.items)
        self.assertIn(("codejail-wasm", "{{ CODEJAIL_WASM_DOCKER_IMAGE }}"), FILTERS.IMAGES_PUSH.items)
        roots = FILTERS.ENV_TEMPLATE_ROOTS.items
        self.assertEqual(len(roots), 1)
        self.assertTrue(os.path.isdir(os.path.join(roots[0], "codejail-wasm", "k8s")))
        self.assertIn(("codejail-wasm/k8s", "plugins"), FILTERS.ENV_TEMPLATE_TARGETS.items)
        # Every kustomization resource is a template the plugin renders.
        for line in PATCHES["kustomization-resources"].splitlines():
            rel = line.strip().lstrip("- ").strip()
            self.assertTrue(rel.startswith("plugins/codejail-wasm/k8s/"), rel)
            self.assertTrue(os.path.isfile(os.path.join(roots[0], rel[len("plugins/"):])), rel)

    def test_no_privileged_helpers(self):
        # No AppArmor loader, init task or privileged container: the sandbox is WebAssembly.
        self.assertEqual(FILTERS.CLI_DO_INIT_TASKS.items, [])
        for text in PATCHES.values():
            self.assertNotIn("privileged: true", text)
            self.assertNotIn("apparmor", text.lower())


@unittest.skipIf(jinja2 is None or yaml is None, "needs Jinja2 and PyYAML (Debian: python3-jinja2 python3-yaml)")
class RenderTest(unittest.TestCase):
    def test_docker_compose_service(self):
        # Tutor splices the patch under `services:` with |indent(2).
        body = render(PATCHES["local-docker-compose-services"])
        doc = yaml.safe_load("services:\n  " + textwrap.indent(body, "  ").lstrip())
        svc = doc["services"]["codejail-wasm"]
        self.assertEqual(svc["image"], "docker.io/codejail-wasm:0.1.0")
        self.assertEqual(svc["environment"]["HOST"], "0.0.0.0")
        self.assertEqual(svc["environment"]["PORT"], "8550")
        self.assertEqual(svc["environment"]["CODEJAIL_WASM_ALLOW_UNAUTHENTICATED"], "1")
        self.assertTrue(svc["read_only"])
        self.assertEqual(svc["cap_drop"], ["ALL"])
        self.assertEqual(svc["user"], "10001:10001")
        self.assertNotIn("ports", svc, "not published on the host")

    def test_extra_env(self):
        extra = {"CODEJAIL_WASM_LIMIT_OVERRIDES": '{"course-v1:a+b+c": {"CPU": 5}}', "CODEJAIL_WASM_LOG_CODE": 1}
        body = render(PATCHES["local-docker-compose-services"], CODEJAIL_WASM_EXTRA_ENV=extra)
        env = yaml.safe_load("services:\n  " + textwrap.indent(body, "  ").lstrip())["services"]["codejail-wasm"]["environment"]
        self.assertEqual(env["CODEJAIL_WASM_LIMIT_OVERRIDES"], extra["CODEJAIL_WASM_LIMIT_OVERRIDES"])
        self.assertEqual(env["CODEJAIL_WASM_LOG_CODE"], "1")
        docs = list(yaml.safe_load_all(render(PATCHES["k8s-deployments"], CODEJAIL_WASM_EXTRA_ENV=extra)))
        kenv = {e["name"]: e["value"] for e in docs[0]["spec"]["template"]["spec"]["containers"][0]["env"]}
        self.assertEqual(kenv["CODEJAIL_WASM_LIMIT_OVERRIDES"], extra["CODEJAIL_WASM_LIMIT_OVERRIDES"])
        self.assertEqual(kenv["CODEJAIL_WASM_LOG_CODE"], "1")

    def test_k8s_deployment(self):
        docs = [d for d in yaml.safe_load_all(render(PATCHES["k8s-deployments"])) if d]
        self.assertEqual(len(docs), 1)
        dep = docs[0]
        self.assertEqual((dep["apiVersion"], dep["kind"]), ("apps/v1", "Deployment"))
        pod = dep["spec"]["template"]["spec"]
        c = pod["containers"][0]
        self.assertEqual(c["image"], "docker.io/codejail-wasm:0.1.0")
        self.assertEqual(c["ports"][0]["containerPort"], 8550)
        for probe in ("readinessProbe", "livenessProbe"):
            self.assertEqual(c[probe]["httpGet"]["path"], "/health/")
        sc = c["securityContext"]
        self.assertTrue(sc["readOnlyRootFilesystem"])
        self.assertFalse(sc["allowPrivilegeEscalation"])
        self.assertEqual(sc["capabilities"]["drop"], ["ALL"])
        self.assertEqual(sc["seccompProfile"]["type"], "RuntimeDefault")
        self.assertTrue(pod["securityContext"]["runAsNonRoot"])
        self.assertEqual(c["resources"]["limits"], {"cpu": "2", "memory": "2Gi"})
        self.assertEqual(dep["spec"]["replicas"], 1)
        self.assertEqual(
            dep["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"],
            dep["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"],
        )

    def test_k8s_service(self):
        svc = [d for d in yaml.safe_load_all(render(PATCHES["k8s-services"])) if d][0]
        self.assertEqual((svc["apiVersion"], svc["kind"]), ("v1", "Service"))
        self.assertEqual(svc["metadata"]["name"], "codejail-wasm")
        self.assertEqual(svc["spec"]["ports"][0]["port"], 8550)
        self.assertEqual(svc["spec"]["selector"], {"app.kubernetes.io/name": "codejail-wasm"})

    def test_k8s_templates(self):
        self.assertIsNone(yaml.safe_load(render(template("codejail-wasm", "k8s", "hpa.yml"))), "HPA off by default")
        hpa = yaml.safe_load(render(template("codejail-wasm", "k8s", "hpa.yml"), CODEJAIL_WASM_ENABLE_HPA=True))
        self.assertEqual(hpa["apiVersion"], "autoscaling/v2")
        self.assertEqual(hpa["spec"]["scaleTargetRef"]["name"], "codejail-wasm")
        self.assertEqual(hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"], 65)
        np = yaml.safe_load(render(template("codejail-wasm", "k8s", "networkpolicy.yml")))
        self.assertEqual(np["kind"], "NetworkPolicy")
        self.assertEqual(sorted(np["spec"]["policyTypes"]), ["Egress", "Ingress"])
        self.assertEqual(np["spec"]["egress"], [])
        self.assertEqual(np["spec"]["ingress"][0]["ports"], [{"protocol": "TCP", "port": 8550}])
        self.assertIsNone(yaml.safe_load(render(template("codejail-wasm", "k8s", "networkpolicy.yml"),
                                                CODEJAIL_WASM_ENABLE_NETWORK_POLICY=False)))

    def test_lms_and_cms_settings(self):
        for name in ("openedx-lms-common-settings", "openedx-cms-common-settings"):
            code = render(PATCHES[name])
            for features in ({}, None):
                ns = {"FEATURES": features} if features is not None else {}
                exec(compile(code, name, "exec"), ns)  # noqa: S102 - our own rendered settings
                self.assertIs(ns["ENABLE_CODEJAIL_REST_SERVICE"], True, name)
                self.assertEqual(ns["CODE_JAIL_REST_SERVICE_HOST"], "http://codejail-wasm:8550", name)
                self.assertEqual(ns["CODE_JAIL_REST_SERVICE_CONNECT_TIMEOUT"], 0.5)
                self.assertEqual(ns["CODE_JAIL_REST_SERVICE_READ_TIMEOUT"], 3.5)
                if features is not None:
                    self.assertIs(ns["FEATURES"]["ENABLE_CODEJAIL_REST_SERVICE"], True)

    def test_custom_host_and_port(self):
        code = render(PATCHES["openedx-lms-common-settings"], CODEJAIL_WASM_HOST="cj", CODEJAIL_WASM_PORT=9000)
        ns = {}
        exec(compile(code, "settings", "exec"), ns)  # noqa: S102
        self.assertEqual(ns["CODE_JAIL_REST_SERVICE_HOST"], "http://cj:9000")
        svc = yaml.safe_load(render(PATCHES["k8s-services"], CODEJAIL_WASM_HOST="cj", CODEJAIL_WASM_PORT=9000))
        self.assertEqual(svc["metadata"]["name"], "cj")
        self.assertEqual(svc["spec"]["ports"][0]["port"], 9000)


if __name__ == "__main__":
    unittest.main()
