package main

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestSanitizeHTML(t *testing.T) {
	const link = `" target="_blank" rel="noopener noreferrer">`
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"", ""},
		{"<strong>bold</strong> and <em>it</em>", "<strong>bold</strong> and <em>it</em>"},
		{"<STRONG>loud</Strong>", "<strong>loud</strong>"},
		{`<a href="https://mluvii.com/x?a=1&amp;b=2">docs</a>`, `<a href="https://mluvii.com/x?a=1&amp;b=2` + link + `docs</a>`},
		{`<a href='http://example.com'>x</a>`, `<a href="http://example.com` + link + `x</a>`},
		{`<a href=http://example.com>x</a>`, `<a href="http://example.com` + link + `x</a>`},
		{`<a target="_self" href="mailto:a@b.cz" onclick="evil()">mail</a>`, `<a href="mailto:a@b.cz` + link + `mail</a>`},
		{`<a href="tel:+420123">call</a>`, `<a href="tel:+420123` + link + `call</a>`},
		{"<a\nhref=\"https://x.cz\">nl</a>", `<a href="https://x.cz` + link + `nl</a>`},
		// Everything else is text.
		{"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"<b>b</b> <i>i</i> <br>", "&lt;b&gt;b&lt;/b&gt; &lt;i&gt;i&lt;/i&gt; &lt;br&gt;"},
		{`<img src=x onerror=alert(1)>`, "&lt;img src=x onerror=alert(1)&gt;"},
		{`<strong onclick="x()">s</strong>`, `&lt;strong onclick=&#34;x()&#34;&gt;s&lt;/strong&gt;`},
		{`<a href="javascript:alert(1)">x</a>`, `&lt;a href=&#34;javascript:alert(1)&#34;&gt;x&lt;/a&gt;`},
		{`<a href="JaVaScRiPt:alert(1)">x</a>`, `&lt;a href=&#34;JaVaScRiPt:alert(1)&#34;&gt;x&lt;/a&gt;`},
		{`<a href="&#106;avascript:alert(1)">x</a>`, `&lt;a href=&#34;javascript:alert(1)&#34;&gt;x&lt;/a&gt;`},
		{`<a href="data:text/html,<script>">x</a>`, `&lt;a href=&#34;data:text/html,&lt;script&gt;&#34;&gt;x&lt;/a&gt;`},
		{`<a href="/relative">x</a>`, `&lt;a href=&#34;/relative&#34;&gt;x&lt;/a&gt;`},
		{`<a>no href</a>`, `&lt;a&gt;no href&lt;/a&gt;`},
		{`<a href="https://x.cz" title="a>b">x</a>`, `<a href="https://x.cz` + link + `b&#34;&gt;x</a>`},
		// Entities are HTML: shown as what they mean, never as markup.
		{"&lt;b&gt;hi&lt;/b&gt; &amp; caf&#233;", "&lt;b&gt;hi&lt;/b&gt; &amp; café"},
		{"a < b && c > d", "a &lt; b &amp;&amp; c &gt; d"},
		{`"quotes" 'too'`, "&#34;quotes&#34; &#39;too&#39;"},
		// Balance: stray closers are text, open tags are closed, no nesting.
		{"</strong>x", "&lt;/strong&gt;x"},
		{"<strong>open", "<strong>open</strong>"},
		{"<strong><em>both</strong></em>", "<strong><em>both&lt;/strong&gt;</em></strong>"},
		{"<strong><strong>x</strong></strong>", "<strong>&lt;strong&gt;x</strong>&lt;/strong&gt;"},
		{`<a href="https://a.cz"><a href="https://b.cz">x</a></a>`, `<a href="https://a.cz` + link + `&lt;a href=&#34;https://b.cz&#34;&gt;x</a>&lt;/a&gt;`},
		{"<em>unclosed <strong>two", "<em>unclosed <strong>two</strong></em>"},
		{"<", "&lt;"},
		{"<strong", "&lt;strong"},
		{"<<strong>>", "&lt;<strong>&gt;</strong>"},
	}
	for _, tt := range tests {
		got := sanitizeHTML(tt.in)
		if got != tt.want {
			t.Errorf("sanitizeHTML(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
		checkSafeHTML(t, tt.in, got)
	}
}

// FuzzSanitizeHTML checks that whatever the bot sends, the result has only
// the allowed tags, balanced, with safe links.
func FuzzSanitizeHTML(f *testing.F) {
	for _, s := range []string{
		"<strong>x</strong>", `<a href="https://x.cz">y</a>`, "<script>", `<a href="javascript:x">`,
		"<em><strong></em></strong>", "&lt;&#0;&#x110000;", `<a href='mailto:x' x=">">`, "<a href=\"\x00http://x\">",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		checkSafeHTML(t, in, sanitizeHTML(in))
	})
}

var (
	tagRE  = regexp.MustCompile(`^<(/?)(strong|em|a)(?: href="([^"<>]*)" target="_blank" rel="noopener noreferrer")?>`)
	textRE = regexp.MustCompile(`^[^<>"']*`)
)

// checkSafeHTML fails unless out consists of text without markup characters
// and the allowed tags, balanced, with http(s)/mailto/tel links only.
func checkSafeHTML(t *testing.T, in, out string) {
	t.Helper()
	var open []string
	for rest := out; rest != ""; {
		if n := len(textRE.FindString(rest)); n > 0 {
			rest = rest[n:]
			continue
		}
		m := tagRE.FindStringSubmatch(rest)
		if m == nil {
			t.Fatalf("sanitizeHTML(%q) = %q: unexpected markup at %q", in, out, rest)
		}
		rest = rest[len(m[0]):]
		closing, name, href := m[1] == "/", m[2], m[3]
		switch {
		case closing:
			if len(open) == 0 || open[len(open)-1] != name {
				t.Fatalf("sanitizeHTML(%q) = %q: unbalanced </%s>", in, out, name)
			}
			open = open[:len(open)-1]
		case name == "a" && href == "", name != "a" && strings.Contains(m[0], "href"):
			t.Fatalf("sanitizeHTML(%q) = %q: bad tag %q", in, out, m[0])
		default:
			for _, o := range open {
				if o == name {
					t.Fatalf("sanitizeHTML(%q) = %q: nested <%s>", in, out, name)
				}
			}
			open = append(open, name)
			if name == "a" {
				u, err := url.Parse(html.UnescapeString(href))
				if err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "mailto" && u.Scheme != "tel") {
					t.Fatalf("sanitizeHTML(%q) = %q: unsafe href %q", in, out, href)
				}
			}
		}
	}
	if len(open) > 0 {
		t.Fatalf("sanitizeHTML(%q) = %q: unclosed %v", in, out, open)
	}
}
