"""A test needing an external program skips without it on a developer's machine and fails
in CI (CI=true), where .ci/run installs .ci/apt-packages."""
import pytest
from _pytest.outcomes import Failed, Skipped

from conftest import in_ci, require_tool


@pytest.mark.parametrize("value, expected", [
    (None, False), ("", False), ("false", False), ("0", False), ("true", True), ("1", True)])
def test_ci_variable(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    assert in_ci() is expected


@pytest.mark.parametrize("ci, outcome", [(None, Skipped), ("false", Skipped), ("true", Failed)])
def test_missing_tool(monkeypatch, ci, outcome):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="no-such-tool-x is not installed"):
        require_tool("no-such-tool-x")
    with pytest.raises(outcome):
        require_tool("chromium", "/no/such/chromium")


def test_present_tool_passes(monkeypatch):
    monkeypatch.setenv("CI", "true")
    require_tool("sh")
