"""Markdown rendering: what an author may write, what a reader's browser receives."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from kim_content.publishing.render import LINK_REL, plain_text, render_markdown, summary


class _Elements(HTMLParser):
    """The elements a browser would build from the HTML: (tag, attributes)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {name: value or "" for name, value in attrs}))


def elements(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.found


def assert_inert(html: str) -> None:
    for tag, attrs in elements(html):
        assert tag not in {"script", "style", "iframe", "object", "embed", "div", "span"}
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        for name in ("href", "src"):
            if name in attrs:
                assert attrs[name].lower().startswith(("https://", "http://", "mailto:"))
        if tag == "img":
            assert attrs["src"].startswith("https://")


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "Teks\n\n<script>alert(1)</script>\n\nlagi",
        "Sebelum <script>alert(1)</script> sesudah",
        "<SCRIPT src=https://jahat.example/x.js></SCRIPT>",
        "```\n<script>alert(1)</script>\n```",
        "`<script>alert(1)</script>`",
    ],
)
def test_script_is_inert(source: str) -> None:
    html = render_markdown(source)
    assert_inert(html)
    assert "<script" not in html.lower()
    assert "</script" not in html.lower()


def test_script_shown_as_text() -> None:
    html = render_markdown("<script>alert(1)</script>")
    assert html.strip() == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](java&#115;cript:alert(1))",
        "[x](vbscript:msgbox(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "<javascript:alert(1)>",
        "[x][r]\n\n[r]: javascript:alert(1)",
        '<a href="javascript:alert(1)">x</a>',
    ],
)
def test_dangerous_links_removed(source: str) -> None:
    html = render_markdown(source)
    assert_inert(html)
    assert not [attrs for tag, attrs in elements(html) if tag == "a" and "href" in attrs]


@pytest.mark.parametrize(
    "source",
    [
        "<img src=x onerror=alert(1)>",
        '<img src="https://a.example/x.png" onerror="alert(1)">',
        "![a](https://a.example/x.png){onerror=alert(1)}",
        '<div onclick="alert(1)">klik</div>',
        "<iframe src=https://jahat.example></iframe>",
        "<style>body{display:none}</style>",
    ],
)
def test_raw_html_is_escaped(source: str) -> None:
    html = render_markdown(source)
    assert_inert(html)


def test_http_image_leaves_alt_text() -> None:
    assert render_markdown("![Foto kegiatan](http://foto.example/a.jpg)").strip() == (
        "<p>Foto kegiatan</p>"
    )


def test_event_handler_never_reaches_a_tag() -> None:
    html = render_markdown("<img src=x onerror=alert(1)>")
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


@pytest.mark.parametrize(
    "source",
    [
        "![a](http://foto.example/a.jpg)",
        "![a](data:image/png;base64,iVBORw0KGgo=)",
        "![a](/relatif/a.jpg)",
        "![a](javascript:alert(1))",
    ],
)
def test_only_https_images(source: str) -> None:
    html = render_markdown(source)
    assert_inert(html)
    assert "<img" not in html
    assert "a" in plain_text(source)  # the alt text stays as text


def test_https_image_kept() -> None:
    html = render_markdown('![Balai desa](https://foto.example/balai.jpg "Balai")')
    assert '<img src="https://foto.example/balai.jpg" alt="Balai desa" title="Balai">' in html


def test_headings_lists_links() -> None:
    source = (
        "# Kerja bakti\n\n"
        "## Persiapan\n\n"
        "### Alat\n\n"
        "###### Catatan\n\n"
        "- cangkul\n- sapu\n\n"
        "3. pagi\n4. siang\n\n"
        "> Kutipan **tebal** dan *miring*\n\n"
        'Lihat [jadwal](https://desa.example/jadwal "Jadwal") atau '
        "[surel](mailto:kim@desa.example).\n\n"
        "---\n\n"
        "baris  \nbaru"
    )
    html = render_markdown(source)
    assert "<h1" not in html
    assert "<h2>Kerja bakti</h2>" in html
    assert "<h2>Persiapan</h2>" in html
    assert "<h3>Alat</h3>" in html
    assert "<h4>Catatan</h4>" in html
    assert "<ul>\n<li>cangkul</li>\n<li>sapu</li>\n</ul>" in html
    assert '<ol start="3">' in html
    assert "<blockquote>" in html
    assert "<strong>tebal</strong>" in html
    assert "<em>miring</em>" in html
    assert (
        f'<a href="https://desa.example/jadwal" title="Jadwal" rel="{LINK_REL}">jadwal</a>' in html
    )
    assert f'<a href="mailto:kim@desa.example" rel="{LINK_REL}">surel</a>' in html
    assert "<hr>" in html
    assert "<br>" in html


def test_every_link_gets_rel() -> None:
    html = render_markdown("[a](https://a.example) [b](http://b.example) <https://c.example>")
    links = re.findall(r"<a [^>]*>", html)
    assert len(links) == 3
    assert all(f'rel="{LINK_REL}"' in link for link in links)


def test_relative_links_lose_href() -> None:
    html = render_markdown("[profil](/kim/1)")
    assert "href" not in html
    assert "profil" in html


def test_tables_and_code() -> None:
    source = "| Dusun | Warga |\n|:--|--:|\n| Krajan | 120 |\n\n```python\nprint('halo')\n```\n"
    html = render_markdown(source)
    for tag in ("table", "thead", "tbody", "tr", "th", "td"):
        assert f"<{tag}" in html
    assert 'style="text-align:right"' in html
    assert "<pre><code>print(&#39;halo&#39;)" in html or "<pre><code>print('halo')" in html
    assert "class=" not in html


def test_plain_text_has_no_markup() -> None:
    source = (
        "# Judul\n\nSatu **dua** [tiga](https://a.example)\nempat ![gambar](https://a.example/g.png)"
        "\n\n- lima\n- enam\n\n<b>tujuh</b> &amp; delapan"
    )
    assert plain_text(source) == (
        "Judul\nSatu dua tiga empat gambar\nlima\nenam\n<b>tujuh</b> & delapan"
    )


def test_summary_short_text_unchanged() -> None:
    assert summary("Warga **Sukorejo** bergotong royong.") == "Warga Sukorejo bergotong royong."


def test_summary_cuts_at_word_boundary() -> None:
    source = "Pemerintah desa mengadakan pelatihan pembuatan pupuk organik bagi kelompok tani."
    result = summary(source, limit=40)
    assert len(result) <= 40
    assert result.endswith("…")
    assert result == "Pemerintah desa mengadakan pelatihan…"
    assert source.startswith(result[:-1])


def test_summary_exact_limit_and_long_word() -> None:
    assert summary("satu dua", limit=8) == "satu dua"
    assert summary("satu dua tiga", limit=9) == "satu dua…"
    assert summary("a" * 50, limit=10) == "a" * 9 + "…"


def test_summary_default_limit_joins_blocks() -> None:
    source = "\n\n".join(["Paragraf pertama tentang kegiatan desa."] * 20)
    result = summary(source)
    assert len(result) <= 280
    assert "\n" not in result
    assert result.endswith("…")


def test_summary_rejects_bad_limit() -> None:
    with pytest.raises(ValueError, match="limit"):
        summary("x", limit=0)
