"""The OpenAPI document matches the app's real routes, in both directions."""
import re

from flask import Flask

from umami_lite import UmamiLite
from umami_lite.web import openapi

CONVERTER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def documented_operations(app, prefix=""):
    """Returns {(openapi path, method)} for every umami-lite route of app."""
    operations = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        if not rule.rule.startswith(prefix):
            continue
        path = CONVERTER.sub(r"{\1}", rule.rule[len(prefix):])
        methods = set(rule.methods) - {"HEAD"}
        if getattr(rule, "provide_automatic_options", True):
            methods.discard("OPTIONS")
        operations |= {(path, method.lower()) for method in methods}
    return operations


def test_every_route_is_documented_and_every_documented_route_exists(app):
    in_app = documented_operations(app)
    in_doc = {(path, method) for path, item in openapi.PATHS.items() for method in item}
    assert in_app - in_doc == set(), "routes missing from umami_lite/web/openapi.py"
    assert in_doc - in_app == set(), "documented routes that do not exist"


def test_every_operation_lists_its_responses_and_errors_use_the_error_schema():
    for path, item in openapi.PATHS.items():
        for method, operation in item.items():
            assert operation["responses"], (path, method)
            for status, response in operation["responses"].items():
                if int(status) >= 400 and path.startswith("/api/"):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == openapi.ref("Error"), (path, method, status)
                elif int(status) >= 400:  # dashboard pages: an HTML page or the JSON error
                    content = response["content"]
                    assert ("text/html" in content or content["application/json"]["schema"]
                            == openapi.ref("Error")), (path, method, status)


def test_document_is_served(client):
    r = client.get("/api/openapi.json")
    assert r.status_code == 200
    assert r.json["openapi"].startswith("3.")
    assert r.json["servers"] == [{"url": "/"}]
    assert set(r.json["paths"]) == set(openapi.PATHS)


def test_document_names_the_mount_prefix(db_path):
    host = Flask("host")
    host.config.update(UMAMI_LITE_DATABASE=db_path, UMAMI_LITE_ADMIN_PASSWORD="x" * 12)
    UmamiLite(host, url_prefix="/stats")
    doc = host.test_client().get("/stats/api/openapi.json").json
    assert doc["servers"] == [{"url": "/stats"}]
    assert documented_operations(host, "/stats") == {
        (path, method) for path, item in openapi.PATHS.items() for method in item}
