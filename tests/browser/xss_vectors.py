"""About 300 XSS vectors of the project's own, in classes; every one calls ``xss()`` if it runs."""

from __future__ import annotations

RAW_TAGS = [
    "<script>xss(1)</script>", "<img src=x onerror=xss(2)>", "<svg onload=xss(3)>", "<iframe src=javascript:xss(4)>",
    "<body onload=xss(5)>", "<details open ontoggle=xss(6)>", "<object data=javascript:xss(7)>",
    "<embed src=javascript:xss(8)>", "<base href=javascript:xss(9)//>",
    '<meta http-equiv=refresh content="0;url=javascript:xss(10)">', "<form action=javascript:xss(11)><button>b</button>",
    "<input autofocus onfocus=xss(12)>", "<video><source onerror=xss(13)>", "<style>@import 'javascript:xss(14)'</style>",
    "<a href=javascript:xss(15)>a</a>", "<marquee onstart=xss(16)>", "<isindex action=javascript:xss(17)>",
]  # fmt: skip
SCHEMES = [
    "[a](javascript:xss(20))", "[a](JAVASCRIPT:xss(21))", "[a](&#106;avascript:xss(22))", "[a](java%0ascript:xss(23))",
    "[a](javascript&colon;xss(24))", "[a](vbscript:xss(25))", "[a](data:text/html,<script>xss(26)</script>)",
    "![a](javascript:xss(27))", "[a](  javascript:xss(28))", "[a](<javascript:xss(29)>)", "[a](\tjavascript:xss(30))",
    "[a](&#x6A;avascript:xss(31))", "[a](jav&#x09;ascript:xss(32))", "[a](data:image/svg+xml,<svg onload=xss(33)>)",
]  # fmt: skip
REFERENCES = [
    "[a][r1]\n\n[r1]: javascript:xss(40)",
    "[a][r2]\n\n[r2]: <javascript:xss(41)>",
    "[r3]\n\n[r3]: vbscript:xss(42)",
]
AUTOLINKS = ["<javascript:xss(50)>", "<vbscript:xss(51)>", "<data:text/html,xss(52)>", "www.javascript:xss(53)"]
BREAKOUTS = [
    '[a](https://a.nl" onmouseover="xss(60))', '![a" onerror="xss(61)](x)', "[a](https://a.nl'onclick=xss(62)//)",
    '[a](x "t" onmouseover="xss(63)")', '<a title="\'"><img src=x onerror=xss(64)>',
]  # fmt: skip
FENCES = ['```html" onmouseover="xss(70)\nx\n```', "```<script>xss(71)</script>\nx\n```", "~~~ onerror=xss(72)\nx\n~~~"]
MXSS = [
    '<noscript><p title="</noscript><img src=x onerror=xss(80)>">', "<svg><style><img src=x onerror=xss(81)></style></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=xss(82)>", "<!--><img src=x onerror=xss(83)>-->",
    "<![CDATA[><img src=x onerror=xss(84)>]]>",
]  # fmt: skip
DOUBLE = [
    "&lt;script&gt;xss(90)&lt;/script&gt;",
    "&amp;lt;img src=x onerror=xss(91)&amp;gt;",
    "%3Cscript%3Exss(92)%3C/script%3E",
]
TEMPLATES = [
    "{{ 7*7 }}xss",
    "{% raw %}xss{% endraw %}",
    "${xss(100)}",
    "{{ self.__init__.__globals__ }}",
    "#{xss(101)}",
]
WIKI = ['[[x" onmouseover="xss(110)]]', "[[javascript:xss(111)|a]]", "[[<img src=x onerror=xss(112)>]]"]
#: Markup percent-encoded into a link's fragment, query, path, image or wiki link: inert unless someone
#: (the static-site export did) decodes it and writes it back; page ``a`` exists in the hostile wikis.
#: The image "from elsewhere" is on a port browsers refuse, so even a page that fetched it reaches nothing.
ENCODED = [
    "[a](a#%22%3E%3Cimg%20src=x%20onerror=xss(120)%3E)", "[a](/p/a#%22%3E%3Cimg%20src=x%20onerror=xss(121)%3E)",
    "[a](a?q=%22%3E%3Cimg%20src=x%20onerror=xss(122)%3E)", "[a](a%22%3E%3Cimg%20src=x%20onerror=xss(123)%3E)",
    "[a](a#%22%20onmouseover=%22xss(124))", "[a](../a#%27%20onmouseover=%27xss(125))",
    "[a](nope#%22%3E%3Cscript%3Exss(126)%3C/script%3E)", "[a](a#%2522%253E%253Csvg%2520onload=xss(127)%253E)",
    "[a](/p/a?%22%3E%3Csvg%20onload=xss(128)%3E#%22%3E)", "![a](x#%22%3E%3Cimg%20src=x%20onerror=xss(129)%3E)",
    "[[a#%22%3E%3Cimg src=x onerror=xss(130)%3E]]", "[[a|%22%3E%3Cimg src=x onerror=xss(131)%3E]]",
    "[a][r4]\n\n[r4]: a#%22%3E%3Cimg%20src=x%20onerror=xss(132)%3E",
    "![%22%3E%3Cimg src=x onerror=xss(133)%3E](https://127.0.0.1:9/x.png)",
]  # fmt: skip

BASE = RAW_TAGS + SCHEMES + REFERENCES + AUTOLINKS + BREAKOUTS + FENCES + MXSS + DOUBLE + TEMPLATES + WIKI + ENCODED
CONTEXTS = ["{}", "- {}", "| a |\n|---|\n| {} |", "## {}", "> {}"]
VECTORS = [context.format(vector) for vector in BASE for context in CONTEXTS]
#: One-line vectors, for titles, summaries, names and search queries.
LINES = [vector for vector in BASE if "\n" not in vector]
