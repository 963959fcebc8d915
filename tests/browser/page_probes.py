"""What a student would see, measured inside a page: math, images, Japanese glyphs, requests.

Each probe is a small piece of JavaScript run through playwright and returns plain data, so
the tests can print exactly what went wrong.
"""
from urllib.parse import urlparse

# Schemes served from the student's own disk (or inline); anything else is the network.
LOCAL_SCHEMES = {"file", "data", "blob", "about"}

# Characters counted as Japanese: hiragana, katakana, CJK ideographs, full-width forms.
JAPANESE_CLASS = r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff60]"

MATHJAX2_DONE = """() => !!(window.MathJax && MathJax.Hub && MathJax.isReady
    && MathJax.Hub.queue.pending === 0 && MathJax.Hub.queue.running === 0)"""

# JS function: the text pieces under root still showing a raw `$` to the reader. Code, scripts
# and typeset math are skipped (a `$...$` inside inline code is meant to be seen as is).
RAW_DOLLAR_TEXTS = """(root) => {
    const skip = 'code, pre, script, style, .MathJax_CHTML, .MathJax_Preview, mjx-container';
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const found = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (node.textContent.includes('$') && !node.parentElement.closest(skip)) {
            found.push(node.textContent.trim());
        }
    }
    return found;
}"""

# Formulas MathJax 2 could not typeset: parse errors (shown as source by noErrors, or merror)
# and undefined macros (drawn in red by noUndefined). Each is reported by its TeX source.
MATH_STATE = """(markdownSelector) => {
    const rawDollarTexts = """ + RAW_DOLLAR_TEXTS + """;
    const frames = [...document.querySelectorAll('.MathJax_CHTML')];
    const faulty = frames.filter(frame =>
        frame.querySelector('.mjx-merror, .mjx-noError, [style*="color: red"]'));
    const texOf = frame => {
        const script = frame.nextElementSibling;
        return script && script.type.startsWith('math/tex') ? script.textContent : frame.textContent;
    };
    return {
        typeset: frames.length,
        errors: faulty.map(texOf).concat(
            [...document.querySelectorAll('.MathJax_Error')].map(el => el.textContent)),
        rawDollars: [...document.querySelectorAll(markdownSelector)].flatMap(rawDollarTexts),
    };
}"""

IMAGE_STATE = """() => [...document.images].map(img => ({
    src: img.currentSrc.slice(0, 80),
    complete: img.complete,
    width: img.naturalWidth,
    height: img.naturalHeight,
}))"""

# Tofu check by pixels, independent of which CJK font is installed: each Japanese character is
# drawn on a canvas in the element's own font and compared with a code point no font covers
# (U+10FFFD, drawn as the fallback .notdef box). A character drawn identically to it, or
# drawn with no ink at all, has no glyph: the student sees a box.
CJK_GLYPH_STATE = """([selector, japanese, maxElements]) => {
    const isJapanese = new RegExp(japanese);
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 64;
    const ctx = canvas.getContext('2d', {willReadFrequently: true});
    const draw = (font, text) => {
        ctx.clearRect(0, 0, 64, 64);
        ctx.font = font;
        ctx.textBaseline = 'top';
        ctx.fillText(text, 4, 4);
        const alpha = ctx.getImageData(0, 0, 64, 64).data.filter((_, i) => i % 4 === 3);
        return {ink: alpha.some(a => a > 0), pixels: alpha.join(',')};
    };
    const elements = [...document.querySelectorAll(selector)]
        .filter(el => isJapanese.test(el.innerText)).slice(0, maxElements);
    return elements.map(el => {
        const style = getComputedStyle(el);
        const font = `${style.fontStyle} ${style.fontWeight} 48px ${style.fontFamily}`;
        const notdef = draw(font, String.fromCodePoint(0x10FFFD)).pixels;
        const chars = [...new Set([...el.innerText].filter(c => isJapanese.test(c)))].slice(0, 12);
        const tofu = chars.filter(c => { const g = draw(font, c); return !g.ink || g.pixels === notdef; });
        return {tag: el.tagName, fontFamily: style.fontFamily, text: el.innerText.slice(0, 40), chars, tofu};
    });
}"""


def math_state(page, markdown_selector):
    """Typeset formula count, TeX of formulas that failed, markdown text still showing a raw `$`."""
    return page.evaluate(MATH_STATE, markdown_selector)


def image_state(page):
    """Every <img> of the page with its natural size (0 when it failed to load)."""
    return page.evaluate(IMAGE_STATE)


def broken_images(images):
    """The images a student would see as broken or empty."""
    return [img for img in images if not (img["complete"] and img["width"] > 0 and img["height"] > 0)]


def cjk_glyph_state(page, selector, max_elements=30):
    """For Japanese-bearing elements matching selector: the characters checked and those drawn as tofu."""
    return page.evaluate(CJK_GLYPH_STATE, [selector, JAPANESE_CLASS, max_elements])


def tofu_elements(glyph_state):
    """The elements of a cjk_glyph_state result in which some Japanese character has no glyph."""
    return [element for element in glyph_state if element["tofu"]]


def is_local(url):
    return urlparse(url).scheme in LOCAL_SCHEMES


class RequestLog:
    """Records a page's requests; blocks the network so a page behaves as it would offline.

    ``failed_local`` lists local assets (file:, data:) that failed or answered with an error;
    ``blocked_remote`` lists the network URLs the page tried to reach.
    """

    def __init__(self, page):
        self.failed_local = []
        self.blocked_remote = []
        page.route("**/*", self._route)
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _route(self, route):
        url = route.request.url
        if is_local(url):
            route.continue_()
        else:
            self.blocked_remote.append(url)
            route.abort("internetdisconnected")

    def _failed(self, request):
        if is_local(request.url):
            self.failed_local.append({"url": request.url, "error": request.failure})

    def _response(self, response):
        if is_local(response.url) and response.status >= 400:
            self.failed_local.append({"url": response.url, "error": f"HTTP {response.status}"})
