"""The links and pixels page in a real browser against `umami-lite serve`."""
import urllib.request

from conftest import CHROME_UA
from playwright.sync_api import expect
# The fixtures among these are used by name only.
from test_dashboard_ui import log_in, new_page, server, shot  # noqa: F401


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def visit(server, path):
    """Returns the status of a GET of path as a browser visitor would send it."""
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(server.url + path, headers={"User-Agent": CHROME_UA})
    try:
        with opener.open(request) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_add_count_copy_and_delete_links_and_pixels(new_page, server, artifacts_dir):
    page = new_page()
    log_in(page, server)
    page.click("nav >> text=Links")
    expect(page.locator("h1")).to_have_text("Links and pixels")
    links = page.locator('[data-list="link"]')
    expect(links).to_contain_text("No links yet")

    page.click('[data-add="link"]')
    page.fill("#beacon-name", "Newsletter")
    page.fill("#beacon-url", "javascript:alert(1)")
    page.fill("#beacon-slug", "news")
    page.click("#beacon-form button[type=submit]")
    expect(page.locator("#beacon-error")).to_have_text(
        "'url' must be an absolute http or https URL.")
    page.fill("#beacon-url", "https://example.com/landing")
    page.click("#beacon-form button[type=submit]")
    row = links.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("input")).to_have_value(f"{server.url}/q/news")
    expect(row).to_contain_text("→ https://example.com/landing")
    expect(row.locator("[data-views]")).to_have_text("0")

    page.click('[data-add="pixel"]')
    expect(page.locator("#beacon-url-field")).to_be_hidden()
    page.fill("#beacon-name", "Feed")
    page.fill("#beacon-slug", "feed")
    page.click("#beacon-form button[type=submit]")
    pixel = page.locator('[data-list="pixel"] tbody tr')
    expect(pixel.locator("input")).to_have_value(
        f'<img src="{server.url}/p/feed" alt="" width="1" height="1">')

    assert visit(server, "/q/news?utm_source=mail") == 307
    assert visit(server, "/q/news") == 307
    assert visit(server, "/p/feed") == 200
    page.reload()
    expect(links.locator("[data-views]")).to_have_text("2")
    expect(page.locator('[data-list="pixel"] [data-views]')).to_have_text("1")
    shot(page, artifacts_dir, "links-and-pixels")

    page.once("dialog", lambda dialog: dialog.accept())
    links.get_by_role("button", name="Delete").click()
    expect(links).to_contain_text("No links yet")
    assert visit(server, "/q/news") == 404
    assert page.js_errors == []
