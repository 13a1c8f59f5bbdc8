"""The search page: server-rendered (no JavaScript) through httpx, then in headless Chromium.

The browser test drives Debian's chromium through Selenium: it types a Kazakh
query, sees ranked results with highlighted words, follows a filter and the
next page, switches the interface language, and takes a screenshot: into the
test's temporary folder, or into benchmarks/results/server_page.png (the one
README shows) when KZSEARCH_SCREENSHOT=1 is set, so that a test run never
changes a tracked file. It skips, saying why, only where no Chromium or
chromedriver is installed.
"""
import json
import os
import re
import shutil
import tempfile
import time
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

httpx = pytest.importorskip("httpx", reason="the server tests need the test extra (httpx)")
pytest.importorskip("fastapi", reason="the server tests need the server extra (fastapi, uvicorn)")

from serverkit import running  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
QUERY = "облыс бюджеті"


@pytest.fixture(scope="module")
def server():
    with running() as (url, engine):
        yield url, engine


def hit_ids(html):
    return re.findall(r'<li data-id="([^"]+)"', html)


def link(html, css_class):
    m = re.search(rf'class="{css_class}"[^>]*href="([^"]+)"', html)
    return unescape(m.group(1)) if m else None


# ---------------------------------------------------------------- without JavaScript
def test_results_page_without_javascript(server):
    url, engine = server
    page = httpx.get(url + "/", params={"q": QUERY})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert hit_ids(page.text) == [h.id for h in engine.index.search(QUERY, 10)]
    assert "<mark>бюджеті</mark>" in page.text
    assert 'lang="kk"' in page.text and "Іздеу" in page.text
    assert f'value="{QUERY}"' in page.text  # the box keeps the query


def test_next_and_previous_pages(server):
    url, engine = server
    ranking = [h.id for h in engine.index.search(QUERY, 30)]
    page = httpx.get(url + "/", params={"q": QUERY}).text
    assert link(page, "previous") is None
    second = httpx.get(url + link(page, "next")).text
    assert hit_ids(second) == ranking[10:20] and 'start="11"' in second
    assert hit_ids(httpx.get(url + link(second, "previous")).text) == ranking[:10]


def test_interface_languages(server):
    url, _ = server
    assert "Найти" in httpx.get(url + "/", params={"q": QUERY, "lang": "ru"}).text
    english = httpx.get(url + "/", params={"q": QUERY, "lang": "en"}).text
    assert ">Search<" in english and 'lang="en"' in english
    assert link(english, "next").endswith("lang=en")  # links keep the language
    assert 'lang="kk"' in httpx.get(url + "/", params={"lang": "xx"}).text


def test_corrected_query_is_shown_without_javascript(server):
    url, engine = server
    if not engine.can.suggest:
        pytest.skip("Index has no suggest_query yet (issue 14)")
    typo = "облсы бюджеті"  # a typo the index fixes
    fixed = engine.index.suggest_query(typo)
    assert fixed == QUERY
    for lang, words in [("kk", "Түзетілген сұрау"), ("ru", "исправленному запросу"), ("en", "corrected")]:
        page = httpx.get(url + "/", params={"q": typo, "lang": lang}).text
        notice = re.search(r'<p class="notice corrected">(.*?)</p>', page, re.S)
        assert notice and words in notice.group(1), page[:2000]
        assert f">{fixed}</a>" in notice.group(1)  # the corrected query, a link to its own results
        assert hit_ids(page) == [h.id for h in engine.index.search(typo, 10)]  # (the index's typo search)
        assert f'value="{typo}"' in page  # the box keeps what was typed


def test_empty_and_odd_requests(server):
    url, _ = server
    empty = httpx.get(url + "/")
    assert empty.status_code == 200 and hit_ids(empty.text) == []
    nothing = httpx.get(url + "/", params={"q": "qqqzzz"})
    assert "Ештеңе табылмады" in nothing.text
    bad = httpx.get(url + "/", params={"q": QUERY, "filter": "{oops"})
    assert bad.status_code == 400 and 'role="alert"' in bad.text and "Traceback" not in bad.text
    assert httpx.get(url + "/", params={"q": "<b>" + "қ" * 5000}).status_code == 200  # long: cut, escaped


def test_fragment_is_the_results_part(server):
    url, engine = server
    fragment = httpx.get(url + "/", params={"q": QUERY, "fragment": 1}).text
    assert "<html" not in fragment and hit_ids(fragment) == [h.id for h in engine.index.search(QUERY, 10)]


def test_text_is_escaped():
    from kzsearch import Index

    index = Index()
    index.add(['<img src=x onerror="alert(1)"> облыс'], ids=["<x>"])
    with running(index=index) as (url, _):
        page = httpx.get(url + "/", params={"q": 'облыс"><script>'}).text
    assert "<img" not in page and page.count("<script>") == 1  # the page's own script only
    assert "&lt;img" in page and 'data-id="&lt;x&gt;"' in page


def test_filter_links(server):
    url, engine = server
    if not engine.can.filters:
        pytest.skip("Index has no metadata filters yet (issue 11): the page offers none")
    page = httpx.get(url + "/", params={"q": QUERY}).text
    facet = link(page, "facet")
    assert facet is not None
    chosen = json.loads(parse_qs(urlparse(facet).query)["filter"][0])
    filtered = httpx.get(url + facet).text
    assert hit_ids(filtered) == [h.id for h in engine.index.search(QUERY, 10, filter=chosen)]
    assert 'class="active"' in filtered


# ---------------------------------------------------------------- in a browser
def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def browser():
    yield from _chromium(javascript=True)


@pytest.fixture(scope="module")
def browser_without_javascript():
    yield from _chromium(javascript=False)


def _chromium(javascript):
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (test extra)")
    binary, driver_path = find_chromium(), shutil.which("chromedriver")
    if binary is None or driver_path is None:
        pytest.skip("no Chromium/chromedriver installed (apt-get install chromium chromium-driver)")
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="kzsearch-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1100,1000"):
        options.add_argument(flag)
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def test_search_in_a_browser(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    url, engine = server
    wait = WebDriverWait(browser, 30)
    browser.get(url + "/")
    box = browser.find_element(By.ID, "q")
    box.send_keys(QUERY)  # results arrive as you type (the page's script)...
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "ol.hits li"))
    ranked = [li.get_attribute("data-id") for li in browser.find_elements(By.CSS_SELECTOR, "ol.hits li")]
    assert ranked == [h.id for h in engine.index.search(QUERY, 10)]
    marks = [m.text for m in browser.find_elements(By.CSS_SELECTOR, "ol.hits mark")]
    assert "бюджеті" in marks
    assert "q=" in browser.current_url  # ...and the address follows, so it can be shared
    if engine.can.complete:  # the box offers completions of the last word
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#completions option"))
        offered = [o.get_attribute("value") for o in browser.find_elements(By.CSS_SELECTOR, "#completions option")]
        assert offered == engine.complete(QUERY, 8)
    keep = os.environ.get("KZSEARCH_SCREENSHOT") == "1"
    folder = ROOT / "benchmarks" / "results" if keep else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(folder / "server_page.png"))

    box.submit()  # ...and the form works as a plain form too
    wait.until(lambda d: "q=" in d.current_url and d.find_elements(By.CSS_SELECTOR, "ol.hits li"))

    if engine.can.filters:
        browser.find_element(By.CSS_SELECTOR, "a.facet").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".filters a.active"))
        chosen = json.loads(parse_qs(urlparse(browser.current_url).query)["filter"][0])
        ranking = [h.id for h in engine.index.search(QUERY, 20, filter=chosen)]
    else:
        ranking = [h.id for h in engine.index.search(QUERY, 20)]

    browser.find_element(By.CSS_SELECTOR, "a.next").click()
    wait.until(lambda d: "offset=10" in d.current_url)
    second = [li.get_attribute("data-id") for li in browser.find_elements(By.CSS_SELECTOR, "ol.hits li")]
    assert second == ranking[10:20]

    browser.find_element(By.CSS_SELECTOR, 'nav.languages a[hreflang="en"]').click()
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "form button").text == "Search")
    if not engine.can.filters:
        pytest.skip("searched, highlighted and paged; the filter step waits for issue 11's filters")


def test_search_in_a_browser_without_javascript(server, browser_without_javascript):
    """The basic search with JavaScript off: the form, the server-rendered results, a filter, the next page."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    url, engine = server
    browser, wait = browser_without_javascript, WebDriverWait(browser_without_javascript, 30)
    browser.get(url + "/")
    box = browser.find_element(By.ID, "q")
    box.send_keys(QUERY)
    time.sleep(1)  # (the script would have shown results 250 ms after typing)
    assert browser.find_elements(By.CSS_SELECTOR, "ol.hits li") == [] and "q=" not in browser.current_url
    box.send_keys(Keys.ENTER)  # the plain form: GET /?q=...
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "ol.hits li"))
    ranked = [li.get_attribute("data-id") for li in browser.find_elements(By.CSS_SELECTOR, "ol.hits li")]
    assert ranked == [h.id for h in engine.index.search(QUERY, 10)]
    assert "бюджеті" in [m.text for m in browser.find_elements(By.CSS_SELECTOR, "ol.hits mark")]
    ranking = [h.id for h in engine.index.search(QUERY, 20)]
    if engine.can.filters:
        browser.find_element(By.CSS_SELECTOR, "a.facet").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".filters a.active"))
        chosen = json.loads(parse_qs(urlparse(browser.current_url).query)["filter"][0])
        ranking = [h.id for h in engine.index.search(QUERY, 20, filter=chosen)]
    browser.find_element(By.CSS_SELECTOR, "a.next").click()
    wait.until(lambda d: "offset=10" in d.current_url)
    assert [li.get_attribute("data-id") for li in browser.find_elements(By.CSS_SELECTOR, "ol.hits li")] == ranking[10:20]
