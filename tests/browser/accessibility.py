"""Layout and accessibility checks the browser tests run on a page (issue 10, items 5, 6 and 16).

axe-core is vendored in openprm/static/vendor/axe-core/ (see its README) and served by the app; no page loads it.
The tests add it to the page they check by URL, so the strict Content-Security-Policy (script from our own
origin only) applies to it like to any of our files.
"""

from playwright.sync_api import Page

AXE_URL = "/static/vendor/axe-core/axe.min.js"  # axe-core 4.10.3
FAILING_IMPACTS = {"serious", "critical"}


def horizontal_overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (0 when nothing scrolls sideways)."""
    return page.evaluate("() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)")


def widest_elements(page: Page) -> list[str]:
    """The elements reaching past the window's right edge (deepest first), to say what overflows."""
    return page.evaluate("""() => {
        const out = [];
        for (const el of document.querySelectorAll("body *")) {
            const box = el.getBoundingClientRect();
            if (box.width && box.right > window.innerWidth + 1 && ![...el.children].some(
                    c => c.getBoundingClientRect().right > window.innerWidth + 1)) {
                out.push(`${el.tagName.toLowerCase()}.${[...el.classList].join(".")} (right ${Math.round(box.right)})`);
            }
        }
        return out.slice(0, 8);
    }""")


def axe_violations(page: Page) -> list[str]:
    """The serious and critical axe-core violations on the page, one line per rule with where it occurs."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=AXE_URL)
    results = page.evaluate("""async () => {
        const result = await window.axe.run(document, {resultTypes: ["violations"]});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                            targets: v.nodes.slice(0, 4).map(n => n.target.join(" "))}));
    }""")
    return [f"{v['id']} ({v['impact']}): {v['help']} — {', '.join(v['targets'])}"
            for v in results if v["impact"] in FAILING_IMPACTS]
